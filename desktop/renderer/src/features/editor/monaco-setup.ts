// Monaco's core plus only the contributions an editor for these languages needs: the full `monaco-editor`
// entry would also bundle the TypeScript, JSON, CSS and HTML language services and their workers.
import * as monaco from 'monaco-editor/editor/editor.api';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import 'monaco-editor/editor/browser/coreCommands';
import 'monaco-editor/editor/contrib/suggest/browser/suggestController';
import 'monaco-editor/features/bracketMatching/register';
import 'monaco-editor/features/caretOperations/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/codicon/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/contextmenu/register';
import 'monaco-editor/features/cursorUndo/register';
import 'monaco-editor/features/dnd/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/folding/register';
import 'monaco-editor/features/gotoLine/register';
import 'monaco-editor/features/hover/register';
import 'monaco-editor/features/indentation/register';
import 'monaco-editor/features/lineSelection/register';
import 'monaco-editor/features/linesOperations/register';
import 'monaco-editor/features/multicursor/register';
import 'monaco-editor/features/quickCommand/register';
import 'monaco-editor/features/readOnlyMessage/register';
import 'monaco-editor/features/smartSelect/register';
import 'monaco-editor/features/wordHighlighter/register';
import 'monaco-editor/features/wordOperations/register';
import 'monaco-editor/features/wordPartOperations/register';
import 'monaco-editor/languages/definitions/cpp/register';
import 'monaco-editor/languages/definitions/css/register';
import 'monaco-editor/languages/definitions/dockerfile/register';
import 'monaco-editor/languages/definitions/go/register';
import 'monaco-editor/languages/definitions/html/register';
import 'monaco-editor/languages/definitions/ini/register';
import 'monaco-editor/languages/definitions/java/register';
import 'monaco-editor/languages/definitions/javascript/register';
import 'monaco-editor/languages/definitions/markdown/register';
import 'monaco-editor/languages/definitions/python/register';
import 'monaco-editor/languages/definitions/shell/register';
import 'monaco-editor/languages/definitions/typescript/register';
import 'monaco-editor/languages/definitions/yaml/register';
import { languageForPath } from '../../../../../shared/protocol/files.js';

export { monaco };

// The editor worker (diffs, word suggestions) is bundled and served from our origin, so it works offline
// and under the server's CSP (script-src 'self'; no blob: workers).
self.MonacoEnvironment = { getWorker: () => new EditorWorker() };

export const THEME = 'tandem-dark';

// The app's colors (styles.css): --bg, --panel, --panel-2, --border, --text, --muted, --accent.
monaco.editor.defineTheme(THEME, {
  base: 'vs-dark',
  inherit: true,
  rules: [],
  colors: {
    'editor.background': '#1e1f22',
    'editor.foreground': '#dfe1e5',
    'editorLineNumber.foreground': '#6f737a',
    'editorLineNumber.activeForeground': '#dfe1e5',
    'editor.lineHighlightBackground': '#25272a',
    'editor.lineHighlightBorder': '#25272a',
    'editorCursor.foreground': '#dfe1e5',
    'editor.selectionBackground': '#4c8dff55',
    'editor.inactiveSelectionBackground': '#4c8dff30',
    'editorIndentGuide.background1': '#3c3f44',
    'editorWidget.background': '#2b2d30',
    'editorWidget.border': '#3c3f44',
    'editorHoverWidget.background': '#2b2d30',
    'editorHoverWidget.border': '#3c3f44',
    'editorSuggestWidget.background': '#2b2d30',
    'editorSuggestWidget.border': '#3c3f44',
    'input.background': '#25272a',
    'input.border': '#3c3f44',
    focusBorder: '#4c8dff',
    'scrollbarSlider.background': '#9aa0a633',
    'scrollbarSlider.hoverBackground': '#9aa0a655',
  },
});

/** Monaco's language id for a project path; languages Monaco has no grammar for borrow a close one. */
export function monacoLanguage(path: string): string {
  const language = languageForPath(path);
  const borrowed: Record<string, string> = { bash: 'shell', json: 'javascript', toml: 'ini' };
  return borrowed[language] ?? language;
}
