import type { FactoryProvider, ModuleMetadata } from '@nestjs/common';
import type { KafkaConnection } from '../client/kafka-connection';
import type { ProducerOptions } from '../producer/create-producer';

export interface MessagingModuleOptions {
  /** Without `logger`, the seam logs through the NestJS logger (context "Messaging"). */
  connection: KafkaConnection;
  producer?: ProducerOptions;
}

export interface MessagingModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: FactoryProvider['inject'];
  useFactory: (...args: never[]) => MessagingModuleOptions | Promise<MessagingModuleOptions>;
}

/** Injection token of the resolved `MessagingModuleOptions`. */
export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');
