export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How much of the window's top must lie on a display for the user to grab it and drag it back. */
const TITLE_BAR_HEIGHT = 32;
const MIN_GRABBABLE_WIDTH = 100;
/** Windows reports the invisible resize border as part of the window, so a window at the top edge sits at y = -7. */
const EDGE_TOLERANCE = 8;

/**
 * Where to open the window: where it was, if enough of its title bar is still on some display to grab it
 * (monitors get unplugged, resolutions change), shrunk to that display when it no longer fits; otherwise
 * `fallback`'s size centred on the primary display. `displays` lists the primary display first
 * (`[screen.getPrimaryDisplay(), ...others]`); their `workArea` already leaves out menu bars and taskbars.
 */
export function restoreBounds(
  saved: Bounds | undefined,
  displays: Array<{ workArea: Bounds }>,
  fallback: { width: number; height: number },
): Bounds {
  const primary = displays[0]?.workArea;
  if (saved && isUsable(saved)) {
    const host = displays.map((display) => display.workArea).find((area) => titleBarIsOn(saved, area));
    if (host) return keepOn(saved, host);
  }
  if (!primary) return { x: 0, y: 0, width: Math.round(fallback.width), height: Math.round(fallback.height) };
  return centreOn(fallback, primary);
}

function titleBarIsOn(window: Bounds, area: Bounds): boolean {
  const overlap = Math.min(window.x + window.width, area.x + area.width) - Math.max(window.x, area.x);
  const topOnArea = window.y >= area.y - EDGE_TOLERANCE && window.y <= area.y + area.height - TITLE_BAR_HEIGHT;
  return topOnArea && overlap >= Math.min(MIN_GRABBABLE_WIDTH, window.width);
}

function keepOn(window: Bounds, area: Bounds): Bounds {
  const wanted = { width: Math.round(window.width), height: Math.round(window.height) };
  const width = Math.min(wanted.width, area.width);
  const height = Math.min(wanted.height, area.height);
  // A window hanging off an edge on purpose stays put; one that had to shrink moves fully onto the display.
  const x = width < wanted.width ? area.x : Math.round(window.x);
  const y = height < wanted.height ? area.y : Math.max(Math.round(window.y), area.y);
  return { x, y, width, height };
}

function centreOn(size: { width: number; height: number }, area: Bounds): Bounds {
  const width = Math.min(Math.round(size.width), area.width);
  const height = Math.min(Math.round(size.height), area.height);
  return { x: area.x + Math.floor((area.width - width) / 2), y: area.y + Math.floor((area.height - height) / 2), width, height };
}

function isUsable(bounds: Bounds): boolean {
  const { x, y, width, height } = bounds;
  return [x, y, width, height].every(Number.isFinite) && width > 0 && height > 0;
}
