/** Model files as admins keep them under version control: JSON or YAML text → a validated model set. */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ModelValidationError } from './model-schema.ts';
import { parseModelSet, type ModelSet } from './model-selection.ts';

export type ModelFileFormat = 'json' | 'yaml';

export function modelFileFormat(fileName: string): ModelFileFormat {
  return /\.json$/i.test(fileName) ? 'json' : 'yaml';
}

/** Parses the text; syntax errors and validation errors both name the file and where. */
export function parseModelText(text: string, fileName: string): ModelSet {
  let document: unknown;
  try {
    document = modelFileFormat(fileName) === 'json' ? JSON.parse(text) : parseYaml(text, { merge: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const at = error.linePos?.[0];
      const where = at ? `line ${at.line}, column ${at.col}` : 'unknown position';
      throw new Error(`${fileName}: ${where}: ${error.message.split('\n')[0]}`, { cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${fileName}: not valid JSON: ${message}`, { cause: error });
  }
  try {
    return parseModelSet(document);
  } catch (error) {
    if (error instanceof ModelValidationError) throw new ModelValidationError(error.issues, fileName);
    throw error;
  }
}
