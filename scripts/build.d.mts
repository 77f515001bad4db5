// Types for what tests import from build.mjs.
export function stagedDesktopPackage(): Record<string, unknown>;
export function buildDesktop(options?: { force?: boolean }): void;
