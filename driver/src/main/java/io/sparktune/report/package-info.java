/** The HTML report written with every run and the live dashboard served while a run trains. */
package io.sparktune.report;
