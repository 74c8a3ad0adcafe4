import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { WriterOptions, WriterReply, WriterRequest, WriterRow } from './sqlite-writer.protocol';

interface Pending {
  resolve: (reply: WriterReply) => void;
  reject: (error: Error) => void;
}

type Request = WriterRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

/** The main thread's handle on the writer thread: requests in, replies matched by id. */
export class SqliteWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure?: Error;

  constructor(
    options: WriterOptions,
    private readonly onCommit: (seconds: number, rows: number) => void,
  ) {
    // Under ts-jest/swc-node the sources are TypeScript; the worker then needs the same loader.
    const extension = extname(__filename);
    this.worker = new Worker(join(__dirname, `sqlite-writer.worker${extension}`), {
      workerData: options,
      execArgv: extension === '.ts' ? ['-r', '@swc-node/register'] : [],
    });
    this.worker.on('message', (reply: WriterReply) => this.receive(reply));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) =>
      this.fail(new Error(`the store writer exited (code ${code})`)),
    );
  }

  append(rows: WriterRow[]): Promise<Float64Array> {
    return this.request({ kind: 'append', rows }).then(
      (reply) => (reply as { positions: Float64Array }).positions,
    );
  }

  deleteOlderThan(cutoff: number, limit: number): Promise<number> {
    return this.request({ kind: 'delete', cutoff, limit }).then(
      (reply) => (reply as { deleted: number }).deleted,
    );
  }

  /** Commits what is queued, then stops the thread. */
  async close(): Promise<void> {
    if (this.failure) return;
    await this.request({ kind: 'close' });
  }

  isAlive(): boolean {
    return this.failure === undefined;
  }

  private request(request: Request): Promise<WriterReply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  private receive(reply: WriterReply): void {
    if (reply.kind === 'committed') {
      this.onCommit(reply.seconds, reply.rows);
      return;
    }
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.kind === 'failed') pending.reject(new Error(reply.message));
    else pending.resolve(reply);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(this.failure);
    this.pending.clear();
  }
}
