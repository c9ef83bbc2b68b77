// Validators for the report schemas: ours (draft-07) and the official SARIF 2.1.0 schema (draft-04).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';

// ajv-formats is CommonJS: under NodeNext its default import is the module, whose `default` is the plugin.
const addFormats = formats.default;

const SCHEMAS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schemas');

function ajv(): Ajv {
  const a = new Ajv({ strict: false, allErrors: true });
  addFormats(a);
  return a;
}

/** Validates a JSON report against schemas/report.schema.json. */
export function reportValidator(): ValidateFunction {
  return ajv().compile(JSON.parse(readFileSync(path.join(SCHEMAS, 'report.schema.json'), 'utf8')));
}

/** Validates a SARIF log against the official OASIS schema shipped in schemas/. */
export function sarifValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(path.join(SCHEMAS, 'sarif-schema-2.1.0.json'), 'utf8'));
  // The OASIS file is draft-04 (`id`, not `$id`); its keywords are otherwise the same in draft-07.
  delete schema.$schema;
  schema.$id = schema.id;
  delete schema.id;
  return ajv().compile(schema);
}

/** Ajv's errors as one readable string, for assertion messages. */
export function errorsOf(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; ');
}
