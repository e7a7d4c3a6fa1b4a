import { z } from 'zod';
import { metricValueSchema, runProgressSchema, runSummarySchema } from '../entities/run';
import { sweepSummarySchema } from '../entities/sweep';

/** Events the host pushes to every UI, named in the past tense. */
export const events = {
  /** A run was created (it is queued or already running). */
  'run/created': z.object({ run: runSummarySchema }),
  /** A run's status, backend or end time changed. */
  'run/updated': z.object({ run: runSummarySchema }),
  /** An epoch ended and its metrics were committed. */
  'run/epoch-logged': z.object({
    run_id: z.number().int(),
    epoch: z.number().int(),
    time: z.number(),
    metrics: z.record(z.string(), metricValueSchema),
  }),
  /** Progress inside an epoch, at most a few times a second per run. */
  'run/progressed': z.object({ run_id: z.number().int(), progress: runProgressSchema }),
  /**
   * Another process (the CLI, another app window) wrote to the database: lists may be stale and should be read
   * again. Sent at most about once a second.
   */
  'store/changed': z.object({ at: z.number() }),
  /** A dataset download went on: bytes received of the total expected. */
  'dataset/fetch-progressed': z.object({ dataset: z.string(), bytes: z.number(), total: z.number() }),
  /** An import of another tracker's runs went on: runs handled of the total, the last one's name. */
  'import/progressed': z.object({ path: z.string(), done: z.number().int(), total: z.number().int(), name: z.string() }),
  /** A sweep started, a trial started or ended, or the sweep's status changed. */
  'sweep/updated': z.object({ sweep: sweepSummarySchema }),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
export type AnyEvent = { [E in EventName]: { event: E; payload: EventPayload<E> } }[EventName];
