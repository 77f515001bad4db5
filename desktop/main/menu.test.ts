import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { CHANGE_SERVER_LABEL, menuTemplate } from './menu.js';

/** Every item of the template, submenus included, in order. */
function items(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])]);
}

const roles = (template: MenuItemConstructorOptions[]) => items(template).flatMap((item) => (item.role ? [item.role] : []));

function changeServerItem(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions {
  const found = items(template).filter((item) => item.label === CHANGE_SERVER_LABEL);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** Clicks an item the way Electron does (it passes the item, the focused window and the event). */
function click(item: MenuItemConstructorOptions): void {
  (item.click as (() => void) | undefined)?.();
}

describe('menuTemplate', () => {
  it('on macOS has the standard app menu with Change Server… in it, and the standard menus after it', () => {
    let asked = 0;
    const template = menuTemplate('darwin', { changeServer: () => (asked += 1) });
    const appMenu = template[0]!;
    expect(Array.isArray(appMenu.submenu) && appMenu.submenu.map((item) => item.role ?? item.label ?? item.type)).toEqual([
      'about',
      'separator',
      CHANGE_SERVER_LABEL,
      'separator',
      'services',
      'separator',
      'hide',
      'hideOthers',
      'unhide',
      'separator',
      'quit',
    ]);
    expect(template.slice(1).map((menu) => menu.role)).toEqual(['fileMenu', 'editMenu', 'viewMenu', 'windowMenu']);
    // On macOS, About belongs to the app menu, not to a Help menu.
    expect(roles(template).filter((role) => role === 'about' || role === 'help')).toEqual(['about']);
    click(changeServerItem(template));
    expect(asked).toBe(1);
  });

  it.each(['win32', 'linux'] as const)('on %s puts Change Server… and Exit under File, and keeps the standard menus', (platform) => {
    let asked = 0;
    const template = menuTemplate(platform, { changeServer: () => (asked += 1) });
    const file = template[0]!;
    expect(file.label?.replace('&', '')).toBe('File');
    expect(Array.isArray(file.submenu) && file.submenu.map((item) => item.role ?? item.label ?? item.type)).toEqual([
      CHANGE_SERVER_LABEL,
      'separator',
      'quit',
    ]);
    expect(template.slice(1).map((menu) => menu.role)).toEqual(['editMenu', 'viewMenu', 'windowMenu', 'help']);
    expect(roles(template)).toContain('about');
    // The macOS-only items have no place here.
    expect(roles(template)).not.toContain('services');
    expect(roles(template)).not.toContain('hideOthers');
    click(changeServerItem(template));
    click(changeServerItem(template));
    expect(asked).toBe(2);
  });
});
