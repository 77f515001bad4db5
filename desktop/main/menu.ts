import type { MenuItemConstructorOptions } from 'electron';

export const CHANGE_SERVER_LABEL = 'Change Server…';

/** What the menu's own items do; main.ts hands them to the focused window, tests record them. */
export interface MenuActions {
  changeServer(): void;
}

/**
 * The application menu from the platform's standard roles, so every item has the platform's own label and
 * shortcut (Cmd+Q, Ctrl+Shift+I, Cmd+Z…) and Cut/Copy/Paste work in every text field, Monaco included.
 * macOS puts About, Hide and Quit under the app's name; Windows and Linux put Exit under File, About under Help.
 * Tandem's own items sit where each platform keeps settings: in the app menu on macOS, under File elsewhere.
 * The menus holding them are spelled out item by item, since a role menu (`appMenu`, `fileMenu`) takes no extra items.
 */
export function menuTemplate(platform: NodeJS.Platform, actions: MenuActions): MenuItemConstructorOptions[] {
  const changeServer: MenuItemConstructorOptions = { id: 'changeServer', label: CHANGE_SERVER_LABEL, click: () => actions.changeServer() };
  if (platform === 'darwin') {
    return [
      {
        // macOS shows the app's own name here whatever the label says.
        label: 'Tandem',
        submenu: [
          { role: 'about' },
          { type: 'separator' },
          changeServer,
          { type: 'separator' },
          { role: 'services' },
          { type: 'separator' },
          { role: 'hide' },
          { role: 'hideOthers' },
          { role: 'unhide' },
          { type: 'separator' },
          { role: 'quit' },
        ],
      },
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ];
  }
  return [
    { label: '&File', submenu: [changeServer, { type: 'separator' }, { role: 'quit' }] },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ role: 'about' }] },
  ];
}
