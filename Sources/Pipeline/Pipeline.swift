import Analysis
import Report
import Inputs
