// The `uefi-hv` debug adapter over stdio. Runs at top level (no require.main guard): VS Code and
// code-server may start it with `node -e require(...)`.
import { logger } from '@vscode/debugadapter/lib/logger';
import { HvDebugSession } from './session/hvSession';

// DebugSession.run() passes its own constructor arguments; the session takes factories instead.
class HvDebugSessionToRun extends HvDebugSession {
  constructor() {
    super();
  }
}

process.on('uncaughtException', (err) =>
  logger.error(`uefi-hv adapter: uncaught ${err.stack ?? String(err)}`),
);
HvDebugSessionToRun.run(HvDebugSessionToRun);
