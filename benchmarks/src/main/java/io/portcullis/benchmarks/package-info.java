/**
 * JMH benchmarks of the data-path hot spots (issue 6). Run with
 * {@code java -jar benchmarks/target/benchmarks.jar}; results and the command used are in
 * {@code docs/benchmarks.md}.
 * <p>
 * Not here yet: the authorization lookup with 1,000 rules that issue 6 also asks for. The
 * appliance has no authorization rules yet (issue 5: rules written against
 * {@code AuthenticatedUser} groups, matched per packet or per flow); when they land, their lookup
 * belongs next to these as {@code AuthorizationLookupBenchmark} (1,000 rules; hits, misses).
 */
package io.portcullis.benchmarks;
