/**
 * The API shapes the artifact pages read (Harbor's Artifact plus Berth's
 * additions), taken from the types generated from /api/v2.0/openapi.json
 * (web/src/api-schema.d.ts, `npm run api-types`), so they cannot drift from
 * the server.
 */
import type { components } from './api-schema.d.ts';

type Schemas = components['schemas'];

export type Tag = Schemas['Tag'];
export type Platform = Schemas['Platform'];
export type Reference = Schemas['Reference'];
export type Layer = Schemas['Layer'];
export type HistoryEntry = Schemas['HistoryEntry'];
export type Accessory = Schemas['Accessory'];
export type Artifact = Schemas['Artifact'];
