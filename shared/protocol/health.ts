import { z } from 'zod';

export const HealthResponse = z.object({
  status: z.literal('ok'),
  version: z.string(),
  protocolVersion: z.number().int(),
  uptimeSeconds: z.number(),
});
export type HealthResponse = z.infer<typeof HealthResponse>;

export const ComponentStatus = z.object({
  ok: z.boolean(),
  latencyMs: z.number().optional(),
  /** What is wrong and what to do, when not ok. */
  reason: z.string().optional(),
});
export type ComponentStatus = z.infer<typeof ComponentStatus>;

export const ReadinessResponse = z.object({
  status: z.enum(['ready', 'unavailable', 'shutting_down']),
  database: ComponentStatus.extend({ kind: z.enum(['embedded', 'postgres']) }),
  docker: ComponentStatus,
});
export type ReadinessResponse = z.infer<typeof ReadinessResponse>;
