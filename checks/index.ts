// The built-in checks: an explicit list, sorted by checklist point.
import type { Check } from '../src/index.js';
import apiAuth from './api-auth/index.js';
import container from './container/index.js';
import cors from './cors/index.js';
import database from './database/index.js';
import debug from './debug/index.js';
import envInGit from './env-in-git/index.js';
import filePerms from './file-perms/index.js';
import https from './https/index.js';
import inputValidation from './input-validation/index.js';
import rateLimit from './rate-limit/index.js';
import secrets from './secrets/index.js';
import securityLogging from './security-logging/index.js';

/** Every built-in check, in checklist order. */
export const builtinChecks: readonly Check[] = [
  secrets,
  https,
  apiAuth,
  rateLimit,
  cors,
  debug,
  filePerms,
  database,
  securityLogging,
  container,
  envInGit,
  inputValidation,
];
