import { describe, expect, it } from 'vitest';
import { restoreBounds, type Bounds } from './window-state.js';

// A 1440×900 laptop with a 25 px menu bar, and a 2560×1440 monitor to its right, as Electron's screen reports them.
const laptop = { workArea: { x: 0, y: 25, width: 1440, height: 875 } };
const monitor = { workArea: { x: 1440, y: 0, width: 2560, height: 1400 } };
// A monitor above the laptop, and one to the left with negative coordinates (common on Windows).
const above = { workArea: { x: 0, y: -1080, width: 1920, height: 1040 } };
const left = { workArea: { x: -1920, y: 0, width: 1920, height: 1040 } };
const fallback = { width: 1280, height: 800 };
const centredOnLaptop: Bounds = { x: 80, y: 62, width: 1280, height: 800 };

describe('restoreBounds', () => {
  it('opens where it was when that is on a display', () => {
    const saved = { x: 200, y: 100, width: 1000, height: 700 };
    expect(restoreBounds(saved, [laptop, monitor], fallback)).toEqual(saved);
    const onMonitor = { x: 2000, y: 300, width: 1600, height: 1000 };
    expect(restoreBounds(onMonitor, [laptop, monitor], fallback)).toEqual(onMonitor);
    const onLeft = { x: -1800, y: 50, width: 1200, height: 900 };
    expect(restoreBounds(onLeft, [laptop, left], fallback)).toEqual(onLeft);
    const onAbove = { x: 100, y: -1000, width: 1200, height: 900 };
    expect(restoreBounds(onAbove, [laptop, above], fallback)).toEqual(onAbove);
  });

  it('centres the fallback size on the primary display the first time', () => {
    expect(restoreBounds(undefined, [laptop, monitor], fallback)).toEqual(centredOnLaptop);
  });

  it('falls back when the display it was on is unplugged', () => {
    expect(restoreBounds({ x: 2000, y: 300, width: 1600, height: 1000 }, [laptop], fallback)).toEqual(centredOnLaptop);
    expect(restoreBounds({ x: -1800, y: 50, width: 1200, height: 900 }, [laptop], fallback)).toEqual(centredOnLaptop);
  });

  it('keeps a window that hangs off an edge as long as enough of its title bar can be grabbed', () => {
    const mostlyOffRight = { x: 1300, y: 100, width: 1000, height: 700 };
    expect(restoreBounds(mostlyOffRight, [laptop], fallback)).toEqual(mostlyOffRight);
    const offBottom = { x: 100, y: 800, width: 1000, height: 700 };
    expect(restoreBounds(offBottom, [laptop], fallback)).toEqual(offBottom);
    const offLeft = { x: -900, y: 100, width: 1000, height: 700 };
    expect(restoreBounds(offLeft, [laptop], fallback)).toEqual(offLeft);
  });

  it.each([
    ['only a sliver on the right edge', { x: 1400, y: 100, width: 1000, height: 700 }],
    ['only a sliver on the left edge', { x: -950, y: 100, width: 1000, height: 700 }],
    ['the title bar below the bottom edge', { x: 100, y: 880, width: 1000, height: 700 }],
    ['the title bar above the top of every display', { x: 100, y: -500, width: 1000, height: 700 }],
    ['far away', { x: 50_000, y: 50_000, width: 1000, height: 700 }],
  ])('falls back with %s', (_why, saved) => {
    expect(restoreBounds(saved, [laptop], fallback)).toEqual(centredOnLaptop);
  });

  it('moves the title bar out from under the menu bar or top edge', () => {
    expect(restoreBounds({ x: 100, y: 20, width: 1000, height: 700 }, [laptop], fallback)).toEqual({
      x: 100,
      y: 25,
      width: 1000,
      height: 700,
    });
  });

  it('shrinks a window that no longer fits its display (a lower resolution) and moves it fully onto it', () => {
    expect(restoreBounds({ x: 100, y: 40, width: 2400, height: 1300 }, [laptop], fallback)).toEqual({
      x: 0,
      y: 25,
      width: 1440,
      height: 875,
    });
    expect(restoreBounds({ x: 100, y: 40, width: 1000, height: 1300 }, [laptop], fallback)).toEqual({
      x: 100,
      y: 25,
      width: 1000,
      height: 875,
    });
  });

  it('shrinks the fallback to a small primary display', () => {
    const small = { workArea: { x: 0, y: 0, width: 1024, height: 728 } };
    expect(restoreBounds(undefined, [small], fallback)).toEqual({ x: 0, y: 0, width: 1024, height: 728 });
  });

  it('uses the first display as the primary one, wherever it is', () => {
    expect(restoreBounds(undefined, [monitor, laptop], fallback)).toEqual({ x: 1440 + 640, y: 300, width: 1280, height: 800 });
  });

  it.each([
    ['zero width', { x: 100, y: 100, width: 0, height: 700 }],
    ['negative height', { x: 100, y: 100, width: 800, height: -1 }],
    ['NaN', { x: Number.NaN, y: 100, width: 800, height: 700 }],
    ['Infinity', { x: 100, y: 100, width: Number.POSITIVE_INFINITY, height: 700 }],
  ])('ignores saved bounds with %s', (_why, saved) => {
    expect(restoreBounds(saved, [laptop], fallback)).toEqual(centredOnLaptop);
  });

  it('answers something usable even with no display reported', () => {
    expect(restoreBounds(undefined, [], fallback)).toEqual({ x: 0, y: 0, width: 1280, height: 800 });
  });
});
