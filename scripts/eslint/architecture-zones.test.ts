import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

/** Lints a snippet as though it were the named file, with the project's real configuration. */
async function messagesFor(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.map((message) => `${message.ruleId}: ${message.message}`);
}

describe('the architecture\u2019s import rules', () => {
  it.each([
    ['shared/protocol/x.ts', "import { a } from '../../server/app.js';\nexport const b = a;\n", /shared depends on neither the server/],
    [
      'shared/protocol/x.ts',
      "import { a } from '../sandbox/docker-connection.js';\nexport const b = a;\n",
      /isomorphic and import only zod/,
    ],
    ['shared/protocol/x.ts', "import fs from 'node:fs';\nexport const b = fs;\n", /no Node APIs/],
    [
      'desktop/renderer/src/x.ts',
      "import { a } from '../../main/server-url.js';\nexport const b = a;\n",
      /renderer imports shared\/protocol and shared\/sync only/,
    ],
    ['desktop/renderer/src/x.ts', "export { a } from '../../../shared/sandbox/docker-endpoint.js';\n", /renderer imports shared\/protocol/],
    ['desktop/main/x.ts', "import { a } from '../../server/config.js';\nexport const b = a;\n", /desktop\/main never imports the server/],
    ['server/x.ts', "import { a } from '../desktop/main/server-url.js';\nexport const b = a;\n", /server never imports the desktop app/],
    ['server/http/x.ts', "import Docker from 'dockerode';\nexport const b = Docker;\n", /dockerode has one owner/],
    [
      'server/modules/auth/x.ts',
      "import { PrismaClient } from '../../db/generated/client.js';\nexport const b = PrismaClient;\n",
      /only repositories touch the Prisma client/,
    ],
    ['e2e/x.ts', "import { a } from '../server/app.js';\nexport const b = a;\n", /e2e uses only shared\/protocol/],
  ])('refuses in %s: %j', async (file, code, expected) => {
    const messages = await messagesFor(file, code);
    expect(messages.join('\n')).toMatch(expected);
    expect(messages.join('\n')).toContain('see shared/architecture.md');
  });

  it.each([
    ['desktop/renderer/src/x.ts', "import { a } from '../../../shared/protocol/index.js';\nexport const b = a;\n"],
    ['server/x.ts', "import { a } from '../shared/sandbox/docker-endpoint.js';\nexport const b = a;\n"],
    ['server/modules/auth/repository.ts', "import type { PrismaClient } from '../../db/database.js';\nexport type B = PrismaClient;\n"],
    ['e2e/x.ts', "import { a } from '../shared/protocol/index.js';\nexport const b = a;\n"],
  ])('allows in %s: %j', async (file, code) => {
    expect(await messagesFor(file, code)).toEqual([]);
  });
});
