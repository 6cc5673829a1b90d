import { catalogApiSuite } from './catalog-suite.ts';

catalogApiSuite('sqlite', async () => ({ env: {}, cleanup: async () => {} }));
