import { Controller, Get, Inject, Query } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireRole } from '@logwarden/auth';
import { HistogramParams, SearchParams, TermsParams } from './search-params.dto';
import { HistogramResponse, SearchResponse, SearchService, TermsResponse } from './search.service';

@Controller('api/v1/search')
@RequireRole('reader')
export class SearchController {
  constructor(@Inject(SearchService) private readonly search: SearchService) {}

  @Get()
  find(
    @Query() params: SearchParams,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SearchResponse> {
    return this.search.search(caller.tenant, params);
  }

  @Get('histogram')
  histogram(
    @Query() params: HistogramParams,
    @CurrentPrincipal() caller: Principal,
  ): Promise<HistogramResponse> {
    return this.search.histogram(caller.tenant, params);
  }

  @Get('terms')
  terms(
    @Query() params: TermsParams,
    @CurrentPrincipal() caller: Principal,
  ): Promise<TermsResponse> {
    return this.search.terms(caller.tenant, params);
  }
}
