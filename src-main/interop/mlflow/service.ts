import type { AnyEvent } from '../../../src-shared/api/events';
import { toMetricValue, type MetricValue, type RunSummary } from '../../../src-shared/entities/run';
import { FilterSyntaxError, parseFilter, type FilterNode } from '../../../src-shared/filter/parse';
import { OrderBySyntaxError, parseOrderBy } from '../../../src-shared/filter/order-by';
import { AppError } from '../../../src-shared/api/errors';
import type { ExternalLogEntry, MetricPointInput, ParamText, RunStore } from '../../store/run-store';
import { invalid, MlflowError } from './errors';
import {
  DEFAULT_EXPERIMENT_ID,
  LIMITS,
  checkKey,
  checkLength,
  experimentJson,
  experimentNumber,
  jsonDouble,
  pageOffset,
  pageToken,
  runInfoJson,
  runJson,
  runNumber,
  statusFromMlflow,
} from './mapping';
import { parseRequest, required, type Endpoint, type Request } from './messages';

export interface MlflowServiceOptions {
  store: RunStore;
  /** Tells every UI what was logged, so a script's curves draw live. */
  emit(event: AnyEvent): void;
  /** The clock, for tests. */
  now?: () => number;
}

type Handler<E extends Endpoint> = (request: Request<E>) => Promise<unknown>;

/**
 * MLflow's tracking API over the run store: what a training script's client calls (experiments, runs, params,
 * metrics, tags, search), answered with MLflow's fields. Everything a script logs becomes an `external` run;
 * Runboard's own runs are read (and tagged) through it too. Transport-agnostic: `routes.ts` speaks HTTP.
 */
export class MlflowService {
  private readonly store: RunStore;
  private readonly emit: (event: AnyEvent) => void;
  private readonly now: () => number;
  private readonly handlers: { [E in Endpoint]: Handler<E> };

  constructor(options: MlflowServiceOptions) {
    this.store = options.store;
    this.emit = options.emit;
    this.now = options.now ?? Date.now;
    this.handlers = {
      'experiments/get-by-name': (r) => this.experimentByName(r),
      'experiments/create': (r) => this.createExperiment(r),
      'experiments/get': (r) => this.getExperiment(r),
      'experiments/search': (r) => this.searchExperiments(r),
      'runs/create': (r) => this.createRun(r),
      'runs/get': (r) => this.getRun(r),
      'runs/update': (r) => this.updateRun(r),
      'runs/log-metric': (r) => this.logMetric(r),
      'runs/log-parameter': (r) => this.logParameter(r),
      'runs/set-tag': (r) => this.setTag(r),
      'runs/delete-tag': (r) => this.deleteTag(r),
      'runs/log-batch': (r) => this.logBatch(r),
      'runs/search': (r) => this.searchRuns(r),
      'metrics/get-history': (r) => this.metricHistory(r),
    };
  }

  /** Validates the request as the endpoint's message and answers it. @throws MlflowError, AppError */
  async call<E extends Endpoint>(endpoint: E, input: unknown): Promise<unknown> {
    const request = parseRequest(endpoint, input);
    return (this.handlers[endpoint] as Handler<E>)(request);
  }

  private async experimentByName(request: Request<'experiments/get-by-name'>): Promise<unknown> {
    const name = required(request.experiment_name, 'experiment_name');
    const experiment = await this.store.findExperiment({ name });
    if (!experiment) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
    return { experiment: experimentJson(experiment) };
  }

  private async createExperiment(request: Request<'experiments/create'>): Promise<unknown> {
    const name = required(request.name, 'name');
    if (name.trim() === '') throw invalid(`Invalid experiment name: '${name}'`);
    checkLength(name, LIMITS.experimentNameLength, 'name');
    if (await this.store.findExperiment({ name })) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
    const experiment = await this.store.createExperiment(name);
    return { experiment_id: experimentJson(experiment).experiment_id };
  }

  private async getExperiment(request: Request<'experiments/get'>): Promise<unknown> {
    const id = required(request.experiment_id, 'experiment_id');
    return { experiment: experimentJson(await this.requireExperiment(id)) };
  }

  private async searchExperiments(request: Request<'experiments/search'>): Promise<unknown> {
    const maxResults = request.max_results ?? LIMITS.searchDefaultResults;
    if (maxResults < 1 || maxResults > LIMITS.searchMaxResults) throw invalid(`Invalid value ${maxResults} for parameter 'max_results' supplied: it must be from 1 to ${LIMITS.searchMaxResults}.`);
    if (request.view_type === 'DELETED_ONLY') return { experiments: [] };
    const test = experimentFilter(request.filter ?? '');
    const sorts = (request.order_by ?? []).map((text) => experimentSort(text));
    const all = await Promise.all(
      (await this.store.listExperiments()).map(async (e) => (await this.store.findExperiment({ id: e.id })) ?? { id: e.id, name: e.name, created_at: 0 }),
    );
    const matching = all.filter((e) => test(e.name)).map(experimentJson);
    matching.sort((a, b) => {
      for (const sort of sorts) {
        const x = a[sort.field];
        const y = b[sort.field];
        const order = sort.field === 'experiment_id' ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
        if (order !== 0) return sort.ascending ? order : -order;
      }
      return b.creation_time - a.creation_time || Number(a.experiment_id) - Number(b.experiment_id);
    });
    const offset = pageOffset(request.page_token);
    const page = matching.slice(offset, offset + maxResults);
    return { experiments: page, ...(offset + maxResults < matching.length ? { next_page_token: pageToken(offset + maxResults) } : {}) };
  }

  private async createRun(request: Request<'runs/create'>): Promise<unknown> {
    const experiment = await this.requireExperiment(request.experiment_id || DEFAULT_EXPERIMENT_ID);
    const tags = this.tagsOf(request.tags ?? [], 'tags');
    const start = request.start_time ?? this.now();
    const name = request.run_name || tags['mlflow.runName'];
    const user = request.user_id || tags['mlflow.user'] || null;
    const run = await this.store.createExternalRun({
      experiment: experiment.name,
      name,
      startTime: start,
      tags,
      source: { type: 'mlflow-api', location: tags['mlflow.source.name'] ?? null, original_id: null, user, imported_at: null },
    });
    this.emit({ event: 'run/created', payload: { run } });
    return { run: await this.runAsMlflow(run) };
  }

  private async getRun(request: Request<'runs/get'>): Promise<unknown> {
    const run = await this.requireRun(request.run_id || required(request.run_uuid, 'run_id'));
    return { run: await this.runAsMlflow(run) };
  }

  private async updateRun(request: Request<'runs/update'>): Promise<unknown> {
    const runId = runNumber(request.run_id || required(request.run_uuid, 'run_id'));
    if (request.run_name !== undefined) checkLength(request.run_name, LIMITS.keyLength, 'run_name');
    const run = await this.store.updateExternalRun(
      runId,
      {
        ...(request.status !== undefined ? { status: statusFromMlflow(request.status) } : {}),
        ...(request.end_time !== undefined ? { endTime: request.end_time } : {}),
        ...(request.run_name ? { name: request.run_name } : {}),
      },
      this.now(),
    );
    // MLflow keeps the run's name in the tag too.
    if (request.run_name) await this.store.logExternal(runId, { tags: { 'mlflow.runName': request.run_name } }, this.now());
    this.emit({ event: 'run/updated', payload: { run } });
    return { run_info: runInfoJson(run, await this.experimentIdOfRun(run)) };
  }

  private async logMetric(request: Request<'runs/log-metric'>): Promise<unknown> {
    const runId = runNumber(request.run_id || required(request.run_uuid, 'run_id'));
    const key = required(request.key, 'key');
    checkKey(key, 'key');
    const value = required(request.value, 'value');
    const time = required(request.timestamp, 'timestamp');
    const point = this.point(key, value, time, request.step ?? 0, '');
    await this.log(runId, { metrics: [point] });
    return {};
  }

  private async logParameter(request: Request<'runs/log-parameter'>): Promise<unknown> {
    const runId = runNumber(request.run_id || required(request.run_uuid, 'run_id'));
    const key = required(request.key, 'key');
    checkKey(key, 'key');
    const value = request.value ?? '';
    checkLength(value, LIMITS.paramValueLength, 'value');
    await this.log(runId, { params: [{ key, text: value }] });
    return {};
  }

  private async setTag(request: Request<'runs/set-tag'>): Promise<unknown> {
    const runId = runNumber(request.run_id || required(request.run_uuid, 'run_id'));
    const key = required(request.key, 'key');
    const tags = this.tagsOf([{ key, value: request.value ?? '' }], '');
    await this.log(runId, { tags });
    // MLflow renames a run whose mlflow.runName tag is set.
    if (key === 'mlflow.runName' && request.value && (await this.store.getRun(runId))?.kind === 'external') await this.store.updateExternalRun(runId, { name: request.value }, this.now());
    await this.emitUpdated(runId);
    return {};
  }

  private async deleteTag(request: Request<'runs/delete-tag'>): Promise<unknown> {
    const runId = runNumber(required(request.run_id, 'run_id'));
    const key = required(request.key, 'key');
    try {
      await this.store.logExternal(runId, { deleteTags: [key] }, this.now());
    } catch (error) {
      if (error instanceof AppError && error.code === 'NOT_FOUND' && /has no tag/.test(error.message)) {
        throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in run with id ${runId}`);
      }
      throw error;
    }
    await this.emitUpdated(runId);
    return {};
  }

  private async logBatch(request: Request<'runs/log-batch'>): Promise<unknown> {
    const runId = runNumber(required(request.run_id, 'run_id'));
    const metrics = request.metrics ?? [];
    const params = request.params ?? [];
    const tagList = request.tags ?? [];
    const limit = (what: string, most: number, got: number) => {
      if (got > most) throw invalid(`A batch logging request can contain at most ${most} ${what}. Got ${got} ${what}. Please split up ${what} across multiple requests and try again.`);
    };
    limit('metrics', LIMITS.metricsPerBatch, metrics.length);
    limit('params', LIMITS.paramsTagsPerBatch, params.length);
    limit('tags', LIMITS.paramsTagsPerBatch, tagList.length);
    limit('metrics, params, and tags', LIMITS.entitiesPerBatch, metrics.length + params.length + tagList.length);
    const points = metrics.map((m, i) => {
      const key = required(m.key, `metrics[${i}].key`);
      checkKey(key, `metrics[${i}].key`);
      return this.point(key, required(m.value, `metrics[${i}].value`), required(m.timestamp, `metrics[${i}].timestamp`), m.step ?? 0, `metrics[${i}].`);
    });
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    const paramTexts: ParamText[] = params.map((p, i) => {
      const key = required(p.key, `params[${i}].key`);
      checkKey(key, `params[${i}].key`);
      const value = p.value ?? '';
      checkLength(value, LIMITS.paramValueLength, `params[${i}].value`);
      if (seen.has(key)) duplicates.add(key);
      seen.add(key);
      return { key, text: value };
    });
    if (duplicates.size > 0) {
      throw invalid(`Duplicate parameter keys have been submitted: ${JSON.stringify([...duplicates])}. Please ensure the request contains only one param value per param key.`);
    }
    const tags = this.tagsOf(tagList, 'tags');
    await this.log(runId, { metrics: points, params: paramTexts, tags });
    if (tagList.length > 0 && points.length === 0) await this.emitUpdated(runId);
    return {};
  }

  private async searchRuns(request: Request<'runs/search'>): Promise<unknown> {
    const maxResults = request.max_results ?? LIMITS.searchDefaultResults;
    if (maxResults < 1 || maxResults > LIMITS.searchMaxResults) throw invalid(`Invalid value ${maxResults} for parameter 'max_results' supplied: it must be from 1 to ${LIMITS.searchMaxResults}.`);
    const experimentIds = (request.experiment_ids ?? []).map((id) => {
      const number = experimentNumber(id);
      if (number === null) throw invalid(`Invalid experiment ID '${id}'. Experiment ID must be a valid integer.`);
      return number;
    });
    const filter = request.filter ?? '';
    try {
      parseFilter(filter);
    } catch (error) {
      if (error instanceof FilterSyntaxError) throw invalid(`Invalid filter '${filter}': ${error.message}`);
      throw error;
    }
    const sorts = (request.order_by ?? []).map((text) => {
      try {
        return parseOrderBy(text, 'asc');
      } catch (error) {
        if (error instanceof OrderBySyntaxError) throw invalid(`Invalid order_by clause '${text}'. Could not be parsed.`);
        throw error;
      }
    });
    const offset = pageOffset(request.page_token);
    const view = request.run_view_type ?? 'ACTIVE_ONLY';
    let page: { runs: RunSummary[]; total: number };
    try {
      page = await this.store.queryRuns({
        filter,
        // MLflow's default order: newest first.
        sort: sorts.length > 0 ? sorts : [{ column: 'started', direction: 'desc' }],
        offset,
        limit: maxResults,
        ...(request.experiment_ids && request.experiment_ids.length > 0 ? { experimentIds } : {}),
        includeArchived: true,
        deleted: view === 'ACTIVE_ONLY' ? 'exclude' : view === 'DELETED_ONLY' ? 'only' : 'include',
        unknownNames: 'match-nothing',
      });
    } catch (error) {
      if (error instanceof AppError && error.code === 'BAD_INPUT') throw invalid(error.message.replace(/^Filter: /, `Invalid filter '${filter}': `));
      throw error;
    }
    const runs = await this.runsAsMlflow(page.runs);
    const next = offset + page.runs.length < page.total ? { next_page_token: pageToken(offset + page.runs.length) } : {};
    return { runs, ...next };
  }

  private async metricHistory(request: Request<'metrics/get-history'>): Promise<unknown> {
    const runId = runNumber(request.run_id || required(request.run_uuid, 'run_id'));
    const key = required(request.metric_key, 'metric_key');
    await this.requireRun(String(runId));
    const [series] = await this.store.getMetrics([runId], [key], null);
    const points = (series?.points ?? []).map((p) => ({ key, value: jsonDouble(p.value), timestamp: p.time, step: p.step }));
    if (request.max_results === undefined) return { metrics: points };
    if (request.max_results < 1) throw invalid(`Invalid value ${request.max_results} for parameter 'max_results' supplied.`);
    const offset = pageOffset(request.page_token);
    const end = offset + request.max_results;
    return { metrics: points.slice(offset, end), ...(end < points.length ? { next_page_token: pageToken(end) } : {}) };
  }

  /** Writes what a script logged and tells the UIs: each step's values as one logged epoch, so curves draw live. */
  private async log(runId: number, entry: ExternalLogEntry): Promise<void> {
    await this.store.logExternal(runId, entry, this.now());
    const byStep = new Map<number, { time: number; metrics: Record<string, MetricValue> }>();
    for (const point of entry.metrics ?? []) {
      const step = byStep.get(point.step) ?? { time: point.time, metrics: {} };
      step.metrics[point.key] = toMetricValue(point.value);
      step.time = Math.max(step.time, point.time);
      byStep.set(point.step, step);
    }
    for (const [step, logged] of [...byStep].sort((a, b) => a[0] - b[0])) {
      this.emit({ event: 'run/epoch-logged', payload: { run_id: runId, epoch: step, time: logged.time, metrics: logged.metrics } });
    }
    if ((entry.params?.length ?? 0) > 0) await this.emitUpdated(runId);
  }

  private point(key: string, value: number, time: number, step: number, path: string): MetricPointInput {
    if (time < 0) throw invalid(`Invalid value ${time} for parameter '${path}timestamp' supplied: metric '${key}' (value=${value}). Timestamp must be a nonnegative long (64-bit integer) `);
    if (step < 0) throw invalid(`Invalid value ${step} for parameter '${path}step' supplied: metric '${key}': the step must be from 0.`);
    return { key, value, time, step };
  }

  private tagsOf(list: readonly { key?: string | undefined; value?: string | undefined }[], path: string): Record<string, string> {
    const tags: Record<string, string> = {};
    list.forEach((tag, i) => {
      const at = path ? `${path}[${i}].` : '';
      const key = required(tag.key, `${at}key`);
      checkKey(key, `${at}key`);
      const value = tag.value ?? '';
      checkLength(value, LIMITS.tagValueLength, `${at}value`);
      tags[key] = value;
    });
    return tags;
  }

  private async requireExperiment(id: string) {
    const number = experimentNumber(id);
    const experiment = number === null ? null : await this.store.findExperiment({ id: number });
    if (!experiment) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${id} exists`);
    return experiment;
  }

  private async requireRun(id: string): Promise<RunSummary> {
    const run = await this.store.getRun(runNumber(id));
    if (!run) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Run with id=${id} not found`);
    return run;
  }

  private async experimentIdOfRun(run: RunSummary): Promise<number> {
    return (await this.store.findExperiment({ name: run.experiment }))?.id ?? 1;
  }

  private async runAsMlflow(run: RunSummary): Promise<unknown> {
    return (await this.runsAsMlflow([run]))[0];
  }

  private async runsAsMlflow(runs: readonly RunSummary[]): Promise<unknown[]> {
    const records = await this.store.runRecords(runs.map((r) => r.run_id));
    const experimentIds = new Map<string, number>();
    for (const name of new Set(runs.map((r) => r.experiment))) experimentIds.set(name, (await this.store.findExperiment({ name }))?.id ?? 1);
    return runs.map((run, i) => runJson(run, experimentIds.get(run.experiment) ?? 1, records[i] as never));
  }

  private async emitUpdated(runId: number): Promise<void> {
    const run = await this.store.getRun(runId);
    if (!run) return;
    const { config: _config, ...summary } = run;
    this.emit({ event: 'run/updated', payload: { run: summary } });
  }
}

/** Experiments are searched by name: `name = 'x'`, `name LIKE 'course-%'`, `name != 'y'`... joined with AND. */
function experimentFilter(filter: string): (name: string) => boolean {
  let tree: FilterNode | null;
  try {
    tree = parseFilter(filter);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw invalid(`Invalid filter '${filter}': ${error.message}`);
    throw error;
  }
  const evaluate = (node: FilterNode, name: string): boolean => {
    switch (node.type) {
      case 'and':
        return evaluate(node.left, name) && evaluate(node.right, name);
      case 'or':
        return evaluate(node.left, name) || evaluate(node.right, name);
      case 'not':
        return !evaluate(node.expr, name);
      default:
        if (node.field.group !== 'attr' || node.field.key !== 'name') throw invalid(`Invalid filter '${filter}': experiments can be searched by name only.`);
        switch (node.type) {
          case 'compare':
            if (typeof node.value !== 'string') throw invalid(`Invalid filter '${filter}': an experiment name compares with a quoted string.`);
            return compareText(name, node.op, node.value);
          case 'in':
            return node.values.includes(name) !== node.negated;
          case 'like':
            return likeMatches(name, node.pattern, node.caseless) !== node.negated;
          case 'null':
            return node.negated;
        }
    }
  };
  return (name) => (tree ? evaluate(tree, name) : true);
}

function compareText(value: string, op: string, other: string): boolean {
  switch (op) {
    case '=':
      return value === other;
    case '!=':
      return value !== other;
    case '<':
      return value < other;
    case '<=':
      return value <= other;
    case '>':
      return value > other;
    case '>=':
      return value >= other;
    case '~':
      return value.toLowerCase().includes(other.toLowerCase());
    default:
      return !value.toLowerCase().includes(other.toLowerCase());
  }
}

function likeMatches(value: string, pattern: string, caseless: boolean): boolean {
  const regex = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${regex}$`, caseless ? 'is' : 's').test(value);
}

function experimentSort(text: string): { field: 'name' | 'creation_time' | 'last_update_time' | 'experiment_id'; ascending: boolean } {
  const match = /^\s*(?:attributes?\.)?(name|creation_time|last_update_time|experiment_id)(?:\s+(asc|desc))?\s*$/i.exec(text);
  if (!match) throw invalid(`Invalid order_by clause '${text}'. Could not be parsed.`);
  return { field: (match[1] as string).toLowerCase() as 'name', ascending: (match[2] ?? 'asc').toLowerCase() === 'asc' };
}
