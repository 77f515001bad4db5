import { defineConfig } from 'prisma/config';

// The datasource URL is only needed by Prisma's CLI engines, which Tandem does not use at run time:
// the server connects through @prisma/adapter-pg (server/db/prisma.ts).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
