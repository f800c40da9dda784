import { App } from 'aws-cdk-lib';
import { composeApp } from './app';
import { ContextError } from './context-problems';

// The CDK entry point (cdk.json "app"): composition lives in ./app.ts. Bad context values are the
// user's to fix, so they are printed one line each (no stack trace) and the app exits with 1.
try {
  composeApp(new App());
} catch (error) {
  if (!(error instanceof ContextError)) throw error;
  for (const problem of error.problems) console.error(problem);
  process.exit(1);
}
