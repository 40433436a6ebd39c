import { cleanup } from './cleanup';

cleanup();
