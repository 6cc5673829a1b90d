import { catalogVisibilitySuite } from './catalog-visibility-suite.ts';

catalogVisibilitySuite('sqlite', async () => ({ env: {}, cleanup: async () => {} }));
