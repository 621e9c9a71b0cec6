import { CliError } from './errors';

// Placeholder until the launcher lands (issue 3).
export async function runBootCommand(_argv: string[]): Promise<number> {
  throw new CliError('boot is not implemented yet', 2);
}
