import { appComposition } from '../app-composition';
import { registerJobActivities } from './job-activities';

// Registration happens when the app's entry files load, as every function's does; the ports are built on the
// first activity call.
registerJobActivities(() => appComposition().jobExecution());
