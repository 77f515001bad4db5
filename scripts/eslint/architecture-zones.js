// The architecture's dependency zones as an ESLint rule. It does what import-x/no-restricted-paths does
// for our relative imports, without that plugin's native resolver (whose platform packages are not all
// published to every registry mirror, which breaks `npm ci`).
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** @type {import('eslint').Rule.RuleModule} */
export const architectureZones = {
  meta: {
    type: 'problem',
    docs: { description: 'Keeps imports inside the dependency zones of shared/architecture.md' },
    schema: [
      {
        type: 'object',
        properties: {
          zones: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                target: { type: 'array', items: { type: 'string' } },
                from: { type: 'array', items: { type: 'string' } },
                except: { type: 'array', items: { type: 'string' } },
                message: { type: 'string' },
              },
              required: ['target', 'from', 'message'],
            },
          },
        },
      },
    ],
  },
  create(context) {
    const file = path.relative(root, context.filename);
    const inside = (relative, folder) => relative === folder || relative.startsWith(`${folder}/`);
    const zones = (context.options[0]?.zones ?? []).filter((zone) => zone.target.some((folder) => inside(file, folder)));
    if (zones.length === 0) return {};
    const check = (node) => {
      const specifier = node.source?.value;
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const imported = path.relative(root, path.resolve(path.dirname(context.filename), specifier));
      for (const zone of zones) {
        if (zone.from.some((folder) => inside(imported, folder)) && !(zone.except ?? []).some((folder) => inside(imported, folder))) {
          context.report({ node: node.source, message: `"${specifier}" may not be imported here. ${zone.message}` });
        }
      }
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};
