#if canImport(Glibc)
import Glibc
#endif

var console = Console.standard
exit(CLI.run(arguments: CommandLine.arguments, console: &console))
