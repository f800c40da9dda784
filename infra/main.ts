import { App } from 'aws-cdk-lib';
import { composeApp } from './app';

// The CDK entry point (cdk.json "app"): composition lives in ./app.ts.
composeApp(new App());
