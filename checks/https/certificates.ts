// The certificate half of the https check: PEM certificates in the repository, their dates, SANs and keys.
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import path from 'node:path';
import {
  type AuditContext,
  type FindingInput,
  type NginxConfigSet,
  type NginxDirective,
  type RepoFile,
  resolveRepoPaths,
  walkNginx,
} from '../../src/index.js';

/** A certificate expiring within this many days is a warning. */
export const EXPIRY_WARNING_DAYS = 21;

const DAY_MS = 86_400_000;
const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const KEY_BLOCK =
  /-----BEGIN (?:RSA |EC |DSA )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |DSA )?PRIVATE KEY-----/;

/** A certificate read from the repository. */
interface RepoCertificate {
  file: string;
  cert: X509Certificate;
}

/** Candidate files by name; their content decides (a .pem can hold a key, a certificate, or both). */
const PEM_GLOBS = ['*.pem', '*.crt', '*.cer', '*.cert', '*.key'];

/** Reads the certificates and unencrypted private keys found in the repository. */
export async function readPemFiles(
  ctx: AuditContext,
): Promise<{ certs: Map<string, RepoCertificate>; keys: Map<string, string>; unreadable: FindingInput[] }> {
  const files: RepoFile[] = await ctx.glob(PEM_GLOBS);
  const certs = new Map<string, RepoCertificate>();
  const keys = new Map<string, string>();
  const unreadable: FindingInput[] = [];
  for (const f of files) {
    const text = await ctx.read(f);
    if (text.kind !== 'text') continue;
    const certPem = CERT_BLOCK.exec(text.text)?.[0];
    if (certPem) {
      try {
        const cert = new X509Certificate(certPem);
        // A trust bundle (several certificates, the first a CA) is not a server certificate.
        const count = text.text.split('-----BEGIN CERTIFICATE-----').length - 1;
        if (!(cert.ca && count > 1)) certs.set(f.path, { file: f.path, cert });
      } catch (err) {
        unreadable.push({
          rule: 'certificate-unreadable',
          file: f.path,
          message: `${f.path} holds a PEM certificate that does not parse (${(err as Error).message.split('\n')[0]})`,
          evidence: 'certificate does not parse',
        });
      }
    }
    const keyPem = KEY_BLOCK.exec(text.text)?.[0];
    if (keyPem) keys.set(f.path, keyPem);
  }
  return { certs, keys, unreadable };
}

/** The DER encoding of a private key's public half, or undefined when the key cannot be read. */
function publicOfKey(pem: string): string | undefined {
  try {
    return createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'der' }).toString('base64');
  } catch {
    return undefined;
  }
}

/** Certificate/key pairs named together in nginx (same block), resolved to repository files. */
function nginxPairs(
  configs: NginxConfigSet,
  known: ReadonlySet<string>,
): Array<{ cert: string; key: string; at: NginxDirective }> {
  const out: Array<{ cert: string; key: string; at: NginxDirective }> = [];
  const visit = (directives: readonly NginxDirective[]): void => {
    const cert = directives.filter((d) => d.name === 'ssl_certificate');
    const key = directives.filter((d) => d.name === 'ssl_certificate_key');
    for (let i = 0; i < Math.min(cert.length, key.length); i++) {
      const c = cert[i] as NginxDirective;
      const k = key[i] as NginxDirective;
      const certFile = resolveRepoPaths(c.args[0]?.value ?? '', c.file, known)[0];
      const keyFile = resolveRepoPaths(k.args[0]?.value ?? '', k.file, known)[0];
      if (certFile && keyFile) out.push({ cert: certFile, key: keyFile, at: k });
    }
    for (const d of directives) if (d.block) visit(d.block);
  };
  for (const file of configs.files.values()) visit(file.directives);
  return out;
}

/** The repository files nginx serves as certificates (ssl_certificate anywhere in the configuration). */
function servedCertificates(configs: NginxConfigSet, known: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const file of configs.files.values()) {
    for (const d of walkNginx(file.directives)) {
      if (d.name !== 'ssl_certificate' || d.file !== file.path) continue;
      for (const f of resolveRepoPaths(d.args[0]?.value ?? '', d.file, known)) out.add(f);
    }
  }
  return out;
}

/** The certificates that signed another certificate of the repository. */
function issuingCertificates(certs: ReadonlyMap<string, RepoCertificate>): Set<string> {
  const out = new Set<string>();
  for (const issuer of certs.values()) {
    if (!issuer.cert.ca) continue;
    for (const subject of certs.values()) {
      if (subject === issuer) continue;
      if (subject.cert.checkIssued(issuer.cert) && subject.cert.verify(issuer.cert.publicKey)) {
        out.add(issuer.file);
        break;
      }
    }
  }
  return out;
}

const stem = (file: string): string => path.posix.basename(file).replace(/\.[^.]+$/, '');

/**
 * Pairs in one directory that nginx does not name: a file holding both, then the same name with another
 * extension (server.crt and server.key), then a lone certificate with a lone key.
 */
function directoryPairs(
  certs: readonly string[],
  keys: readonly string[],
  paired: ReadonlySet<string>,
): Array<{ cert: string; key: string }> {
  const out: Array<{ cert: string; key: string }> = [];
  let c = certs.filter((f) => !paired.has(f));
  let k = keys.filter((f) => !paired.has(f));
  const take = (cert: string, key: string): void => {
    out.push({ cert, key });
    c = c.filter((f) => f !== cert);
    k = k.filter((f) => f !== key);
  };
  for (const cert of [...c]) if (k.includes(cert)) take(cert, cert);
  for (const cert of [...c]) {
    const key = k.find((f) => stem(f) === stem(cert));
    if (key) take(cert, key);
  }
  const [lone] = c;
  if (lone && c.length === 1 && k.length === 1) take(lone, k[0] as string);
  return out;
}

/** Certificate findings: expired, expiring, without SAN, and keys that do not match their certificate. */
export async function analyzeCertificates(
  ctx: AuditContext,
  configs: NginxConfigSet,
  pem: Awaited<ReturnType<typeof readPemFiles>>,
): Promise<FindingInput[]> {
  const out: FindingInput[] = [...pem.unreadable];
  const now = ctx.now.getTime();
  const known = new Set((await ctx.files()).map((f) => f.path));
  const served = servedCertificates(configs, known);
  const issuers = issuingCertificates(pem.certs);
  for (const { file, cert } of pem.certs.values()) {
    const notAfter = Date.parse(cert.validTo);
    const subject = cert.subject.replace(/\n/g, ', ');
    const days = Math.floor((notAfter - now) / DAY_MS);
    if (notAfter < now) {
      out.push({
        rule: 'certificate-expired',
        file,
        message: `certificate ${subject} in ${file} expired on ${new Date(notAfter).toISOString().slice(0, 10)}`,
        evidence: `expired ${cert.fingerprint256}`,
      });
    } else if (days < EXPIRY_WARNING_DAYS) {
      out.push({
        rule: 'certificate-expiring',
        file,
        message: `certificate ${subject} in ${file} expires in ${days} day${days === 1 ? '' : 's'} (${new Date(notAfter).toISOString().slice(0, 10)})`,
        evidence: `expiring ${cert.fingerprint256}`,
      });
    }
    // Only a CA that signs another certificate here and that nginx does not serve may go without a SAN:
    // `openssl req -x509` sets CA:TRUE on self-signed server certificates too.
    const caOnly = cert.ca && issuers.has(file) && !served.has(file);
    if (!caOnly && !cert.subjectAltName) {
      out.push({
        rule: 'certificate-no-san',
        file,
        message: `certificate ${subject} in ${file} has no subjectAltName; browsers ignore the common name and reject it`,
        evidence: `no san ${cert.fingerprint256}`,
      });
    }
  }

  // Pairs: those nginx names together, else a lone certificate and a lone key in the same directory.
  const pairs: Array<{ cert: string; key: string; at?: NginxDirective }> = nginxPairs(configs, known);
  const paired = new Set(pairs.flatMap((p) => [p.cert, p.key]));
  const byDir = new Map<string, { certs: string[]; keys: string[] }>();
  for (const file of pem.certs.keys()) {
    const entry = byDir.get(path.posix.dirname(file)) ?? { certs: [], keys: [] };
    entry.certs.push(file);
    byDir.set(path.posix.dirname(file), entry);
  }
  for (const file of pem.keys.keys()) {
    const entry = byDir.get(path.posix.dirname(file)) ?? { certs: [], keys: [] };
    entry.keys.push(file);
    byDir.set(path.posix.dirname(file), entry);
  }
  for (const { certs, keys } of byDir.values()) pairs.push(...directoryPairs(certs, keys, paired));
  const reported = new Set<string>();
  for (const pair of pairs) {
    const cert = pem.certs.get(pair.cert)?.cert;
    const keyPem = pem.keys.get(pair.key);
    if (!cert || !keyPem || reported.has(`${pair.cert}\0${pair.key}`)) continue;
    const keyPublic = publicOfKey(keyPem);
    if (!keyPublic) continue;
    const certPublic = cert.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    if (certPublic === keyPublic) continue;
    reported.add(`${pair.cert}\0${pair.key}`);
    out.push({
      rule: 'certificate-key-mismatch',
      ...(pair.at ? { file: pair.at.file, line: pair.at.line } : { file: pair.key }),
      message: `private key ${pair.key} does not belong to certificate ${pair.cert}: nginx refuses to start ("key values mismatch")`,
      evidence: `mismatch ${pair.cert} ${pair.key}`,
    });
  }
  return out;
}
