import { composition } from '../../shared/composition';
import { registerJobActivities } from './job-activities';

// Registration happens when the app's entry files load, as every function's does; the ports are built here.
registerJobActivities(composition.jobExecution());
