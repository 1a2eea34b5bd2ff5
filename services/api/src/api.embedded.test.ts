import { createEmbeddedWarehouse } from '@hourglass/warehouse';
import { describeQueryApi } from './testing/suites';

describeQueryApi('embedded', async () => createEmbeddedWarehouse({ timeZone: 'Asia/Shanghai' }));
