// What git knows about the audited directory: tracked files, ignore rules, and history.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { Probe } from './probe.js';

/** A file path as it stood in one commit. */
export interface HistoryEntry {
  commit: string;
  /** Committer date, ISO 8601. */
  date: string;
  /** Posix path relative to the audited root. */
  path: string;
}

/** The ignore rule that decides whether a path is ignored (the last one that matches it). */
export interface IgnoreMatch {
  /** The file the rule comes from, as git names it (relative to the top level, or absolute). */
  source: string;
  /** 1-based line of the rule in `source`. */
  line: number;
  /** The rule as written, with its `!` when it re-includes. */
  pattern: string;
  /** True for a `!pattern`: the path is not ignored. */
  negated: boolean;
  /** True when the rule lives in a `.gitignore` of the work tree, which every clone shares. */
  shared: boolean;
}

/** Git facts for a directory inside a work tree; every query runs git at most once. */
export class GitRepo {
  private tracked?: Promise<Set<string>>;
  private readonly historyCache = new Map<string, Promise<HistoryEntry[]>>();

  private constructor(
    private readonly probe: Probe,
    /** The audited directory. */
    readonly root: string,
    /** The work tree's top level. */
    readonly toplevel: string,
    /** The audited directory relative to the top level, posix, with a trailing slash or empty. */
    readonly prefix: string,
  ) {}

  /** Opens the repository containing `root`, or says why there is none. */
  static async open(probe: Probe, root: string): Promise<GitRepo | { reason: string }> {
    const r = await probe.run(['git', 'rev-parse', '--show-toplevel', '--show-prefix'], { cwd: root });
    if (r.failure === 'not-found') return { reason: 'git is not installed' };
    if (r.exitCode !== 0) {
      // git refuses a repository another user owns (CVE-2022-24765); that is not the same as "no repository".
      if (/dubious ownership/.test(r.stderr)) {
        return {
          reason: 'git refuses to read this repository because another user owns it (safe.directory)',
        };
      }
      if (/must be run in a work tree/.test(r.stderr))
        return { reason: 'not a git repository (not in a work tree)' };
      return { reason: 'not a git repository' };
    }
    const [toplevel = '', prefix = ''] = r.stdout.split('\n');
    return new GitRepo(probe, root, toplevel, prefix);
  }

  private async git(args: string[], input?: string): Promise<string> {
    const r = await this.probe.run(['git', '-c', 'core.quotepath=false', ...args], {
      cwd: this.root,
      ...(input === undefined ? {} : { input }),
    });
    if (r.exitCode !== 0 && r.exitCode !== 1) {
      throw new Error(`git ${args[0]} failed: ${r.stderr.trim().split('\n')[0] ?? ''}`);
    }
    return r.stdout;
  }

  /** Files in the index, relative to the audited root. */
  trackedFiles(): Promise<Set<string>> {
    this.tracked ??= this.git(['ls-files', '-z']).then((out) => new Set(out.split('\0').filter(Boolean)));
    return this.tracked;
  }

  /** The subset of `paths` that the ignore rules match, whether or not they are tracked. */
  async ignored(paths: readonly string[]): Promise<Set<string>> {
    const asked = await this.checkablePaths(paths);
    if (asked.length === 0) return new Set();
    const out = await this.git(['check-ignore', '--no-index', '-z', '--stdin'], `${asked.join('\0')}\0`);
    return new Set(out.split('\0').filter(Boolean));
  }

  /**
   * For each of `paths` that some ignore rule matches, the rule that decides it (a `!` rule means the
   * path is re-included). Paths no rule matches are absent.
   */
  async ignoreMatches(paths: readonly string[]): Promise<Map<string, IgnoreMatch>> {
    const asked = await this.checkablePaths(paths);
    const matches = new Map<string, IgnoreMatch>();
    if (asked.length === 0) return matches;
    const out = await this.git(
      ['check-ignore', '--no-index', '--verbose', '--non-matching', '-z', '--stdin'],
      `${asked.join('\0')}\0`,
    );
    // Records are four NUL-terminated fields: source, line, pattern, path (empty fields when nothing matches).
    const fields = out.split('\0');
    for (let i = 0; i + 3 < fields.length; i += 4) {
      const [source = '', line = '', pattern = '', p = ''] = fields.slice(i, i + 4);
      if (!source || !p) continue;
      matches.set(p, {
        source,
        line: Number(line),
        pattern,
        negated: pattern.startsWith('!'),
        shared:
          !path.isAbsolute(source) &&
          path.posix.basename(source) === '.gitignore' &&
          !source.startsWith('.git/'),
      });
    }
    return matches;
  }

  /** Drops paths git would refuse (`beyond a symbolic link`), which would fail the whole query. */
  private async checkablePaths(paths: readonly string[]): Promise<string[]> {
    const links = new Map<string, Promise<boolean>>();
    const isLink = (rel: string) => {
      let cached = links.get(rel);
      if (!cached) {
        cached = lstat(path.join(this.root, rel)).then(
          (st) => st.isSymbolicLink(),
          () => false,
        );
        links.set(rel, cached);
      }
      return cached;
    };
    const keep = await Promise.all(
      paths.map(async (p) => {
        if (!p) return false;
        const parts = p.split('/');
        for (let i = 1; i < parts.length; i++) {
          if (await isLink(parts.slice(0, i).join('/'))) return false;
        }
        return true;
      }),
    );
    return paths.filter((_, i) => keep[i]);
  }

  /** Whether any commit exists yet. */
  async hasCommits(): Promise<boolean> {
    const r = await this.probe.run(['git', 'rev-parse', '--verify', '-q', 'HEAD'], { cwd: this.root });
    if (r.exitCode === 0) return true;
    const refs = await this.git(['for-each-ref', '--count=1', '--format=%(refname)']);
    return refs.trim() !== '';
  }

  /**
   * Every (commit, path) where a path matching the glob pathspecs was added or changed, in any commit
   * reachable from any ref. Paths are relative to the audited root.
   */
  history(globs: readonly string[]): Promise<HistoryEntry[]> {
    const key = globs.join('\0');
    let cached = this.historyCache.get(key);
    if (!cached) {
      cached = this.loadHistory(globs);
      this.historyCache.set(key, cached);
    }
    return cached;
  }

  private async loadHistory(globs: readonly string[]): Promise<HistoryEntry[]> {
    if (!(await this.hasCommits())) return [];
    const out = await this.git([
      'log',
      '--all',
      // Merge commits too: a file added while resolving a merge appears in no other commit.
      '-m',
      '--relative',
      '--no-renames',
      '--diff-filter=AMT',
      '--name-only',
      '-z',
      '--format=%x1e%H %cI',
      '--',
      ...globs.map((g) => `:(glob)${g}`),
    ]);
    const entries: HistoryEntry[] = [];
    const seen = new Set<string>();
    for (const record of out.split('\x1e')) {
      if (!record.trim()) continue;
      const nl = record.indexOf('\n');
      const header = nl === -1 ? record : record.slice(0, nl);
      const [commit = '', date = ''] = header.replace(/\0/g, '').split(' ');
      const names = nl === -1 ? [] : record.slice(nl + 1).split('\0');
      for (const name of names) {
        const p = name.replace(/^\n+/, '');
        // With -m a merge is listed once per parent.
        if (!p || seen.has(`${commit}\0${p}`)) continue;
        seen.add(`${commit}\0${p}`);
        entries.push({ commit, date, path: p });
      }
    }
    return entries;
  }

  /** Contents of `path` (relative to the audited root) at `commit`, or undefined if absent. */
  async show(commit: string, path: string): Promise<string | undefined> {
    const r = await this.probe.run(['git', 'cat-file', 'blob', `${commit}:${this.prefix}${path}`], {
      cwd: this.root,
    });
    return r.exitCode === 0 ? r.stdout : undefined;
  }
}
