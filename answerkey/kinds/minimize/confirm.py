def confirm(problem, solution):
    return []
