import type { MenuItemConstructorOptions } from 'electron';

/**
 * The application menu from the platform's standard roles, so every item has the platform's own label and
 * shortcut (Cmd+Q, Ctrl+Shift+I, Cmd+Z…) and Cut/Copy/Paste work in every text field, Monaco included.
 * macOS puts About, Hide and Quit under the app's name; Windows and Linux put Exit under File, About under Help.
 */
export function menuTemplate(platform: NodeJS.Platform): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const appMenu: MenuItemConstructorOptions[] = mac ? [{ role: 'appMenu' }] : [];
  const help: MenuItemConstructorOptions[] = mac ? [] : [{ role: 'help', submenu: [{ role: 'about' }] }];
  return [...appMenu, { role: 'fileMenu' }, { role: 'editMenu' }, { role: 'viewMenu' }, { role: 'windowMenu' }, ...help];
}
