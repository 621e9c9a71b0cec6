import { CliError } from './errors';

// Placeholder until the build module lands (issue 3).
export async function runBuildCommand(_argv: string[]): Promise<number> {
  throw new CliError('build is not implemented yet', 2);
}
