// The shared, lazily memoised audit context: each artefact is discovered, read or parsed once.
import path from 'node:path';
import picomatch from 'picomatch';
import { byPath, type DiscoveryOptions, discoverFiles, type RepoFile } from '../facts/discovery.js';
import { GitRepo } from '../facts/git.js';
import type { Probe } from '../facts/probe.js';
import { readTextFile, type TextFile } from '../facts/text.js';
import type {
  AuditContext,
  CheckContext,
  CheckSettings,
  Fact,
  UnfollowedEntry,
  UnreadableDir,
} from './check.js';
import { type AuditConfig, splitList } from './config.js';
import type { Target } from './types.js';

/** What the shared context is built from. */
export interface ContextOptions {
  root: string;
  targets: readonly Target[];
  config: AuditConfig;
  probe: Probe;
  hostRoot?: string;
  isRoot?: boolean;
  now?: Date;
  /** Lists a directory during discovery (tests inject failures). */
  listDir?: DiscoveryOptions['listDir'];
}

/** Compiles globs: a glob without `/` matches the file name at any depth. */
export function globMatcher(patterns: string | readonly string[]): (relPath: string) => boolean {
  const list = typeof patterns === 'string' ? [patterns] : [...patterns];
  if (list.length === 0) return () => false;
  const full = list.filter((p) => p.includes('/')).map((p) => p.replace(/^\.\//, ''));
  const base = list.filter((p) => !p.includes('/'));
  const fullRe = oneRegExp(full);
  const baseRe = oneRegExp(base);
  return (relPath) =>
    (fullRe?.test(relPath) ?? false) || (baseRe?.test(relPath.slice(relPath.lastIndexOf('/') + 1)) ?? false);
}

/**
 * One alternation of picomatch's anchored expressions: a single test per path instead of one matcher call per
 * glob, which matters when a policy of a dozen globs meets a repository of 20,000 files.
 */
function oneRegExp(globs: readonly string[]): RegExp | undefined {
  if (globs.length === 0) return undefined;
  const sources = globs.map((g) => `(?:${picomatch.makeRe(g, { dot: true }).source})`);
  return new RegExp(sources.join('|'));
}

/** Builds the shared context of one audit. */
export function createAuditContext(options: ContextOptions): AuditContext {
  const root = path.resolve(options.root);
  const excluded = globMatcher(options.config.exclude);
  const texts = new Map<string, Promise<TextFile>>();
  const facts = new Map<Fact<unknown>, Promise<unknown>>();
  let files: Promise<RepoFile[]> | undefined;
  const unreadableDirs: UnreadableDir[] = [];
  const unfollowed: UnfollowedEntry[] = [];
  let git: Promise<GitRepo | { reason: string }> | undefined;

  const ctx: AuditContext = {
    root,
    targets: options.targets,
    hostRoot: path.resolve(options.hostRoot ?? '/'),
    isRoot: options.isRoot ?? process.getuid?.() === 0,
    now: options.now ?? new Date(),
    config: options.config,
    probe: options.probe,
    files() {
      files ??= discoverFiles(root, {
        exclude: excluded,
        onUnreadable: (p, error) => unreadableDirs.push({ path: p, error }),
        onUnfollowed: (p, reason) => unfollowed.push({ path: p, reason }),
        ...(options.listDir ? { listDir: options.listDir } : {}),
      });
      return files;
    },
    async unreadableDirs() {
      await ctx.files();
      return [...unreadableDirs].sort(byPath);
    },
    async unfollowed() {
      await ctx.files();
      return [...unfollowed].sort(byPath);
    },
    async glob(patterns) {
      const match = globMatcher(patterns);
      return (await ctx.files()).filter((f) => match(f.path));
    },
    read(file, { keep = true } = {}) {
      const abs =
        typeof file === 'string' ? (path.isAbsolute(file) ? file : path.join(root, file)) : file.abs;
      let cached = texts.get(abs);
      if (!cached) {
        cached = readTextFile(abs);
        if (keep) texts.set(abs, cached);
      }
      return cached;
    },
    git() {
      git ??= GitRepo.open(options.probe, root);
      return git;
    },
    fact<T>(fact: Fact<T>): Promise<T> {
      let cached = facts.get(fact as Fact<unknown>);
      if (!cached) {
        cached = fact.compute(ctx);
        facts.set(fact as Fact<unknown>, cached);
      }
      return cached as Promise<T>;
    },
  };
  return ctx;
}

/** The view of the shared context that one check receives. */
export function checkContext(shared: AuditContext, checkId: string): CheckContext {
  const section = shared.config.sections.get(checkId) ?? {};
  const settings: CheckSettings = {
    get: (key) => section[key],
    list: (key) => splitList(section[key]),
  };
  return Object.assign(Object.create(shared) as AuditContext, { settings });
}
