import type { z } from 'zod';

/**
 * Small answers worth having offline (the project list, a project's document URL, the languages), kept
 * in localStorage per server and user, and parsed on the way out like anything else that arrives.
 */
export class OfflineCache {
  constructor(private readonly prefix: string) {}

  get<S extends z.ZodType>(key: string, schema: S): z.infer<S> | undefined {
    try {
      const parsed = schema.safeParse(JSON.parse(window.localStorage.getItem(this.prefix + key) ?? 'null'));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  set(key: string, value: unknown): void {
    try {
      window.localStorage.setItem(this.prefix + key, JSON.stringify(value));
    } catch {
      // Storage full: the cache is a convenience, never a reason to fail.
    }
  }

  delete(key: string): void {
    window.localStorage.removeItem(this.prefix + key);
  }
}
