/** The picocli command line: finetune and evaluate. */
package io.sparktune.cli;
