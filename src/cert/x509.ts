/**
 * The one place that loads @peculiar/x509, after the Reflect polyfill it requires (tsyringe).
 */
import 'reflect-metadata';

export * as x509 from '@peculiar/x509';
