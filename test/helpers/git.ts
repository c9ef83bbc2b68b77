// Real git repositories for tests, with a fixed identity and no user configuration.
import { execa } from 'execa';

const ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

/** Runs git in `dir` and returns stdout; throws on failure. */
export async function git(dir: string, ...args: string[]): Promise<string> {
  const r = await execa('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], {
    cwd: dir,
    env: ENV,
  });
  return r.stdout;
}

/** Initialises a repository in `dir`. */
export async function gitInit(dir: string): Promise<void> {
  await git(dir, 'init', '-q');
}

/** Stages everything and commits. */
export async function commitAll(dir: string, message = 'commit'): Promise<string> {
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '--allow-empty', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}
