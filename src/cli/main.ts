/**
 * Entry point of `npm run cli -- <command> [options]`: parses the arguments, sets up the TF.js
 * backend and MNIST, and runs one command. Usage errors exit with code 2, other failures with 1,
 * both with a one-line message and no stack trace.
 */
import { parseCli, USAGE, UsageError, type CliCommand } from './args';
import type { Log } from './format';
import { extractDataFlag, type DataSpec } from './datasets';

async function run(given: Exclude<CliCommand, { command: 'help' }>, log: Log, dataFlag: DataSpec | null): Promise<unknown> {
  // Loaded here, not at the top, so `help` and usage errors answer without starting TF.js.
  const { useNodeBackend } = await import('../tf/tfNode');
  const { applyDataSpec, loadCliData } = await import('./datasets');
  const { cmd, spec } = applyDataSpec(given, dataFlag);
  const backend = await useNodeBackend(cmd.backend);
  const { data, line } = await loadCliData(spec);
  log(`backend ${backend}; ${line}`);
  switch (cmd.command) {
    case 'train': return (await import('./trainCommand')).runTrainCommand(cmd, data, log);
    case 'seed003': return (await import('./seed003')).runSeed003(cmd, data, log);
    case 'seed000': return (await import('./seed000')).runSeed000(cmd, data, log);
    case 'seed001': return (await import('./seed001')).runSeed001(cmd, data, log);
    case 'netadapt': return (await import('./netadapt')).runNetadapt(cmd, data, log);
  }
}

export async function main(argv: string[]): Promise<number> {
  const log: Log = (line) => console.log(line);
  let cmd: CliCommand;
  let dataFlag: DataSpec | null;
  try {
    // --data belongs to every command: taken out before the command's own flags are parsed.
    const extracted = extractDataFlag(argv);
    dataFlag = extracted.spec;
    cmd = parseCli(extracted.argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (cmd.command === 'help') {
    console.log(USAGE);
    return 0;
  }
  try {
    await run(cmd, log, dataFlag);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`error: ${(error as Error).message ?? String(error)}`);
    if (process.env.CLI_DEBUG) console.error(error);
    return 1;
  }
}

// process.exit: the wasm backend can keep the event loop alive after the work is done.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`error: ${(error as Error).message ?? String(error)}`);
    process.exit(1);
  },
);
