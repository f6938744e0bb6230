// Reads a JSON array of simulations (the shape @cloud-copilot/iam-simulate's runSimulation
// takes) on stdin and prints, for each, {"result": "Allowed" | "ExplicitlyDenied" |
// "ImplicitlyDenied"} or {"error": …}: the independent IAM engine restore-doctor's evaluator is
// compared against (tests/oracle_iam_simulate.rs).
import { runSimulation } from '@cloud-copilot/iam-simulate'

let input = ''
for await (const chunk of process.stdin) input += chunk
const simulations = JSON.parse(input)
const out = []
for (const simulation of simulations) {
  try {
    const response = await runSimulation(simulation, {})
    if (response.resultType === 'error') {
      out.push({ error: response.errors })
    } else {
      out.push({ result: response.overallResult })
    }
  } catch (e) {
    out.push({ error: String(e) })
  }
}
process.stdout.write(JSON.stringify(out))
