// What git knows about the audited directory: tracked files, ignore rules, and history.
import type { Probe } from './probe.js';

/** A file path as it stood in one commit. */
export interface HistoryEntry {
  commit: string;
  /** Committer date, ISO 8601. */
  date: string;
  /** Posix path relative to the audited root. */
  path: string;
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
    if (r.exitCode !== 0) return { reason: 'not a git repository' };
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
    if (paths.length === 0) return new Set();
    const out = await this.git(['check-ignore', '--no-index', '-z', '--stdin'], `${paths.join('\0')}\0`);
    return new Set(out.split('\0').filter(Boolean));
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
    for (const record of out.split('\x1e')) {
      if (!record.trim()) continue;
      const nl = record.indexOf('\n');
      const header = nl === -1 ? record : record.slice(0, nl);
      const [commit = '', date = ''] = header.replace(/\0/g, '').split(' ');
      const names = nl === -1 ? [] : record.slice(nl + 1).split('\0');
      for (const name of names) {
        const p = name.replace(/^\n+/, '');
        if (p) entries.push({ commit, date, path: p });
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
