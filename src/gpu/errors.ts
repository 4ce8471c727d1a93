/**
 * WebGPU errors do not throw: a bad shader, binding or dispatch goes to `uncapturederror` and
 * leaves stale output behind (../shared/webgpu-notes.md). Everything here that creates or runs
 * GPU work goes through these error scopes, so a failure becomes an Error before any number is used.
 */

/** A shader module's compiler messages, one per line ('' when it has none). */
export async function compilationMessages(modules: readonly GPUShaderModule[]): Promise<string> {
  const infos = await Promise.all(modules.map((m) => m.getCompilationInfo()));
  return infos
    .flatMap((info) => info.messages.map((m) => `${m.type} at line ${m.lineNum}:${m.linePos}: ${m.message}`))
    .join('\n');
}

export interface Captured<T> {
  value?: T;
  /** What `body` threw, if it threw. */
  thrown?: unknown;
  /** The first error a scope caught, else null. */
  error: GPUError | null;
}

/** Runs `body` inside one error scope per filter; the scopes are popped whatever happens. */
export async function captureErrors<T>(
  device: GPUDevice,
  filters: readonly GPUErrorFilter[],
  body: () => T | Promise<T>,
): Promise<Captured<T>> {
  for (const filter of filters) device.pushErrorScope(filter);
  const result: Captured<T> = { error: null };
  try {
    result.value = await body();
  } catch (error) {
    result.thrown = error;
  }
  const errors: (GPUError | null)[] = [];
  for (let i = 0; i < filters.length; i++) errors.push(await device.popErrorScope());
  result.error = errors.find((e) => e !== null) ?? null;
  return result;
}

export interface CheckedOptions {
  /** Scopes to open. Default validation and out-of-memory. */
  filters?: readonly GPUErrorFilter[];
  /** Shader modules whose compiler messages explain a failure. */
  modules?: readonly GPUShaderModule[];
  /** Frees what `body` made when it failed. */
  cleanup?: () => void;
}

/**
 * `body`'s value, or an Error "WebGPU rejected <what>: <reason>" (with the compiler messages of
 * `modules`) when it threw or a scope caught an error. A plain throw with nothing to add is
 * rethrown as it is.
 */
export async function withErrorScopes<T>(
  device: GPUDevice,
  what: string,
  body: () => T | Promise<T>,
  options: CheckedOptions = {},
): Promise<T> {
  const { value, thrown, error } = await captureErrors(device, options.filters ?? ['validation', 'out-of-memory'], body);
  if (thrown === undefined && !error) return value as T;
  options.cleanup?.();
  const messages = options.modules ? await compilationMessages(options.modules) : '';
  if (thrown !== undefined && !messages) throw thrown;
  const reason = thrown !== undefined ? (thrown instanceof Error ? thrown.message : String(thrown)) : error?.message;
  throw new Error(`WebGPU rejected ${what}: ${reason}${messages ? `\n${messages}` : ''}`);
}
