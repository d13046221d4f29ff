#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addReferenceStack } from './reference-app';

// Env-agnostic on purpose: `cdk synth` needs no account or credentials, and `cdk deploy`
// targets the account and Region of the caller's credentials.
const app = new App();
addReferenceStack(app);
app.synth();
