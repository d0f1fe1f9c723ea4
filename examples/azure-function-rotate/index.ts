/**
 * Azure Functions (Node.js v4 programming model) entry: a timer that rotates every night, and an
 * Event Grid trigger that rotates as soon as Key Vault creates a new certificate version
 * (`Microsoft.KeyVault.CertificateNewVersionCreated`). Deploy with `@azure/functions` and `pfxkit`
 * as dependencies; package.json's "main" points at this file. See README "Key Vault".
 */
import { certificateUrlOf, rotateFromKeyVault, type KeyVaultEvent } from './rotate.js';

interface Context {
  log(...args: unknown[]): void;
  error(...args: unknown[]): void;
}
interface FunctionsApp {
  timer(name: string, options: { schedule: string; handler: (timer: unknown, context: Context) => Promise<void> }): void;
  eventGrid(name: string, options: { handler: (event: KeyVaultEvent, context: Context) => Promise<void> }): void;
}

async function runOnce(url: string | undefined, context: Context): Promise<void> {
  const outcome = await rotateFromKeyVault(process.env, url, (line) => context.log(line));
  for (const line of outcome.lines) (outcome.ok ? context.log : context.error)(line);
  // A failed run fails the invocation, so that it shows in Application Insights and alerts.
  if (!outcome.ok) throw new Error('pfxkit rotation failed: see the log lines above');
}

/** Registers both triggers on the Functions host's `app` (from `@azure/functions`). */
export function register(app: FunctionsApp): void {
  // 03:17 UTC every day (NCRONTAB with seconds). Safe to rerun: nothing is written when the
  // certificate is already on every target.
  app.timer('pfxkitRotateNightly', { schedule: '0 17 3 * * *', handler: (_timer, context) => runOnce(undefined, context) });
  app.eventGrid('pfxkitRotateOnNewVersion', {
    handler: async (event, context) => {
      const url = certificateUrlOf(event);
      if (url === null) return context.log(`ignored ${event.eventType}`);
      await runOnce(url, context);
    },
  });
}

// In the function app; skipped when this file is merely compiled or imported elsewhere.
if (process.env.FUNCTIONS_WORKER_RUNTIME === 'node') {
  const functions = '@azure/functions';
  const { app } = (await import(functions)) as { app: FunctionsApp };
  register(app);
}
