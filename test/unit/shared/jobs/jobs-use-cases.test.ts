import {
  InMemoryDeviceIdLists,
  InMemoryDeviceJobs,
  InMemoryJobRepository,
} from '../../../support/in-memory-ports';
import { defineUseCaseScenarios } from '../../../support/use-case-scenarios';

describe('job use cases over in-memory ports', () => {
  defineUseCaseScenarios(() =>
    Promise.resolve({
      jobs: new InMemoryJobRepository(),
      deviceIdLists: new InMemoryDeviceIdLists(),
      deviceJobs: new InMemoryDeviceJobs(),
    }),
  );
});
