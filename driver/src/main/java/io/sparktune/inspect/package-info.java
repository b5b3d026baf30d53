/** sparktune inspect: what a data set holds and what is wrong with it, measured on the executors. */
package io.sparktune.inspect;
