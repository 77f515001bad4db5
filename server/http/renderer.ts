import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

/**
 * Serves the IDE's web build. Client-side routes get index.html; everything else unknown falls
 * through to the JSON 404.
 */
export function rendererRoutes(rendererDir: string): Router {
  const router = Router();
  const indexHtml = path.join(rendererDir, 'index.html');
  router.use(express.static(rendererDir, { index: false, maxAge: '1h', immutable: false }));
  router.get(/^\/(?!api\/|health|sync)(?!.*\.[a-z0-9]+$).*/i, (req, res, next) => {
    // Browsers navigating ask for text/html explicitly; API clients and curl (*/*) get the JSON 404.
    if (!req.headers.accept?.includes('text/html') || !fs.existsSync(indexHtml)) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexHtml);
  });
  return router;
}
