import { ensureLocalTools } from './python-env';
import { startMotoServer } from './moto-server';
import { killNow, stopProcess, type StartedProcess } from './processes';
import { startTemporalDevServer, type TemporalEndpoint } from './temporal-dev-server';

export interface LocalStack {
  temporal: TemporalEndpoint;
  awsEndpoint: string;
  processes: StartedProcess[];
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** 'detached' leaves the services running after this process exits (sandbox); 'owned' stops them with it (tests). */
  lifetime: 'detached' | 'owned';
  temporalDbFile?: string;
  temporalPort?: number;
  temporalUiPort?: number;
  awsPort?: number;
  /** An AWS emulator that is already running: attach to it instead of starting one (it is not ours to stop). */
  awsEndpoint?: string;
  log?: (line: string) => void;
}

export async function stopAll(processes: readonly StartedProcess[]): Promise<void> {
  await Promise.all([...processes].reverse().map((p) => stopProcess(p.pid)));
}

/**
 * Starts the Temporal dev server and the AWS emulator. If either fails, whatever did start is
 * stopped before the error is thrown: a failed start leaves no process behind.
 */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const log = opts.log ?? (() => undefined);
  const tools = ensureLocalTools(log);
  const keep = opts.lifetime === 'detached';
  const started: StartedProcess[] = [];
  const killAllNow = () => started.forEach((p) => killNow(p.pid));
  const onSignal = (signal: NodeJS.Signals) => {
    void stopAll(started).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  if (!keep) {
    process.once('exit', killAllNow);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  try {
    log('starting the Temporal dev server');
    const temporal = await startTemporalDevServer({
      temporalBinary: tools.temporal,
      dbFile: opts.temporalDbFile,
      port: opts.temporalPort,
      uiPort: opts.temporalUiPort,
      keepRunningAfterExit: keep,
    }).then((t) => {
      started.push(t.process);
      return t;
    });
    let awsEndpoint = opts.awsEndpoint;
    if (awsEndpoint === undefined) {
      log('starting the AWS emulator');
      const moto = await startMotoServer({
        python: tools.python,
        port: opts.awsPort,
        keepRunningAfterExit: keep,
      });
      started.push(moto.process);
      awsEndpoint = moto.endpoint;
    } else {
      log(`attaching to the AWS endpoint ${awsEndpoint}`);
    }
    return {
      temporal: temporal.endpoint,
      awsEndpoint,
      processes: started,
      stop: async () => {
        await stopAll(started);
        process.removeListener('exit', killAllNow);
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      },
    };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}
