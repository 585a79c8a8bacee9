#if canImport(Glibc)
import Glibc
#endif

ProcessMemory.keepFreedMemory()
var console = Console.standard
exit(CLI.run(arguments: CommandLine.arguments, console: &console))
