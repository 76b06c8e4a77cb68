/**
 * JMH benchmarks of the data-path hot spots (issue 6). Run with
 * {@code java -jar benchmarks/target/benchmarks.jar}; results and the command used are in
 * {@code docs/benchmarks.md}.
 * <p>
 * {@code AuthorizationLookupBenchmark} measures the per-packet authorization lookup (1,000 and
 * 10,000 rules; addresses inside rules and outside all of them) and building a table.
 * <p>
 * {@code ClientCertificateBenchmark} measures the certificate authenticator's per-handshake check
 * of a client's EC P-256 chain (leaf alone, or leaf and issuing CA), on certificates never
 * validated before.
 */
package io.portcullis.benchmarks;
