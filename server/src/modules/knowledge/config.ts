// The knowledge module's configuration section.
import { z } from 'zod';
import { defineConfig } from '../../platform/config.js';

export type KnowledgeConfig = {
  knowledge: {
    /** Largest upload (and largest document fetched from a URL). */
    maxSourceBytes: number;
    /** Most sources in one notebook (the seed's 2–50 files per notebook). */
    maxSources: number;
    /** Most pages (PDF pages, slides, sheets) one document may have. */
    maxPages: number;
    /** OCR for images and scanned pages (tesseract, offline; about a second a page). */
    ocr: boolean;
    /** Fetching a source by URL may reach loopback/private addresses (tests, intranets). */
    urlAllowPrivate: boolean;
  };
};

export const KNOWLEDGE_CONFIG = defineConfig(
  {
    ATRIUM_KNOWLEDGE_MAX_SOURCE_MB: z.coerce.number().min(0.001).max(2048).default(50),
    ATRIUM_KNOWLEDGE_MAX_SOURCES: z.coerce.number().int().min(1).max(1000).default(50),
    ATRIUM_KNOWLEDGE_MAX_PAGES: z.coerce.number().int().min(1).max(100_000).default(2000),
    ATRIUM_KNOWLEDGE_OCR: z.enum(['true', 'false']).default('true'),
    ATRIUM_KNOWLEDGE_URL_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  },
  (c): KnowledgeConfig => ({
    knowledge: {
      maxSourceBytes: Math.round(c.ATRIUM_KNOWLEDGE_MAX_SOURCE_MB * 1024 * 1024), maxSources: c.ATRIUM_KNOWLEDGE_MAX_SOURCES,
      maxPages: c.ATRIUM_KNOWLEDGE_MAX_PAGES, ocr: c.ATRIUM_KNOWLEDGE_OCR === 'true', urlAllowPrivate: c.ATRIUM_KNOWLEDGE_URL_ALLOW_PRIVATE === 'true',
    },
  }),
);

declare module '../../platform/config.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AtriumConfig extends KnowledgeConfig {}
}
